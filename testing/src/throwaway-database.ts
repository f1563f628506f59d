/** What the database fixtures give: a fresh database on a real server, how to reach it, and how to drop it. */
export interface ThrowawayDatabase {
  host: string;
  port: number;
  /** A fresh name: border0_test_<12 hex digits>. */
  database: string;
  /**
   * Who may use it: on MariaDB a fresh user with rights on this database alone (from 127.0.0.1, with
   * `password`); on PostgreSQL the admin URL's superuser (trust auth: any password goes).
   */
  user: string;
  password: string;
  /** postgres://… or mysql://…, with the user, password and database. */
  url: string;
  /** Drops the database (and on MariaDB its user), ending whatever sessions still use it. */
  drop(): Promise<void>;
}
