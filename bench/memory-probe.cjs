/**
 * Preloaded into the soak test's proxy (`node --require memory-probe.cjs --expose-gc ... proxy start`): writes
 * the process's memory figures as JSON to $BORDER0_SOAK_MEMORY_FILE twice a second, and to the same name with
 * `.collected` after a full garbage collection on SIGUSR2. The proxy itself is unchanged; this only reads
 * process.memoryUsage().
 */
const { renameSync, writeFileSync } = require('node:fs');

const file = process.env.BORDER0_SOAK_MEMORY_FILE;
if (file) {
  const write = (target) => {
    const usage = process.memoryUsage();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = usage;
    const sample = { at: Date.now(), rss, heapUsed, heapTotal, external, arrayBuffers };
    // Written aside and renamed: a reader never sees half a file.
    writeFileSync(`${target}.tmp`, JSON.stringify(sample));
    renameSync(`${target}.tmp`, target);
  };
  setInterval(() => write(file), 500).unref();
  process.on('SIGUSR2', () => {
    global.gc?.();
    write(`${file}.collected`);
  });
}
