// Generated from spec/openapi.yaml by `pnpm --filter @border0/sdk generate`. Do not edit.

export interface paths {
    "/api/v1/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the organizations the caller belongs to */
        get: operations["listOrganizations"];
        put?: never;
        /** Create an organization owned by the caller */
        post: operations["createOrganization"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/organizations/{organization}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an organization */
        get: operations["getOrganization"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Update the token’s organization */
        patch: operations["updateOrganization"];
        trace?: never;
    };
    "/api/v1/sockets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List sockets */
        get: operations["listSockets"];
        put?: never;
        /** Create a socket */
        post: operations["createSocket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sockets/{socket}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a socket */
        get: operations["getSocket"];
        put?: never;
        post?: never;
        /** Delete a socket */
        delete: operations["deleteSocket"];
        options?: never;
        head?: never;
        /** Update a socket */
        patch: operations["updateSocket"];
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        DatabaseUpstream: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "tls" | "no_auth";
            database?: string;
            /** @example 127.0.0.1 */
            hostname: string;
            password_set: boolean;
            port: number;
            /** @enum {string} */
            protocol: "postgres" | "mysql";
            tls?: {
                ca_certificate?: string;
                /** @default false */
                enabled: boolean;
                /**
                 * @default full
                 * @enum {string}
                 */
                verify: "full" | "ca" | "none";
            };
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "database";
            username?: string;
        };
        DatabaseUpstreamInput: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "tls" | "no_auth";
            database?: string;
            /** @example 127.0.0.1 */
            hostname: string;
            password?: string;
            port: number;
            /** @enum {string} */
            protocol: "postgres" | "mysql";
            tls?: {
                ca_certificate?: string;
                /** @default false */
                enabled: boolean;
                /**
                 * @default full
                 * @enum {string}
                 */
                verify: "full" | "ca" | "none";
            };
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "database";
            username?: string;
        };
        FieldError: {
            field: string;
            message: string;
        };
        HttpUpstream: {
            headers?: {
                [key: string]: string;
            };
            host_header?: string;
            /** @example 127.0.0.1 */
            hostname: string;
            port: number;
            /**
             * @default http
             * @enum {string}
             */
            scheme: "http" | "https";
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "http";
        };
        HttpUpstreamInput: {
            headers?: {
                [key: string]: string;
            };
            host_header?: string;
            /** @example 127.0.0.1 */
            hostname: string;
            port: number;
            /**
             * @default http
             * @enum {string}
             */
            scheme: "http" | "https";
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "http";
        };
        Organization: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            display_name: string | null;
            /**
             * @description `<org>.<base domain>`
             * @example acme.localhost
             */
            domain: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @example web */
            name: string;
            role: components["schemas"]["Role"];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
        };
        OrganizationCreate: {
            display_name?: string;
            /** @example web */
            name: string;
        };
        OrganizationCreated: components["schemas"]["Organization"] & {
            /** @description An owner token for the new organization. Shown once. */
            owner_token: string;
        };
        OrganizationPage: {
            items: components["schemas"]["Organization"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        OrganizationUpdate: {
            display_name?: string | null;
        };
        /** @description An error (RFC 9457 problem details). */
        Problem: {
            detail: string;
            errors?: components["schemas"]["FieldError"][];
            request_id?: string;
            status: number;
            title: string;
            /** @example /problems/validation */
            type: string;
        };
        /** @enum {string} */
        Role: "owner" | "admin" | "member" | "read_only" | "client";
        Socket: {
            connector_ids: string[];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            description: string | null;
            display_name: string | null;
            /**
             * @description `<socket>-<org>.<base domain>`
             * @example web-acme.localhost
             */
            dnsname: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @example web */
            name: string;
            recording_enabled: boolean;
            socket_type: components["schemas"]["SocketType"];
            tags: components["schemas"]["Tags"];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
            upstream_configuration: components["schemas"]["UpstreamConfiguration"];
        };
        SocketCreate: {
            connector_ids?: string[];
            description?: string;
            display_name?: string;
            /** @example web */
            name: string;
            recording_enabled?: boolean;
            socket_type: components["schemas"]["SocketType"];
            tags?: components["schemas"]["Tags"];
            upstream_configuration: components["schemas"]["UpstreamConfigurationInput"];
        };
        SocketPage: {
            items: components["schemas"]["Socket"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        /** @enum {string} */
        SocketType: "http" | "ssh" | "database" | "tls";
        /** @description Fields to change. In `upstream_configuration`, an omitted secret keeps the stored one. */
        SocketUpdate: {
            connector_ids?: string[];
            description?: string | null;
            display_name?: string | null;
            /** @example web */
            name?: string;
            recording_enabled?: boolean;
            tags?: components["schemas"]["Tags"];
            upstream_configuration?: components["schemas"]["UpstreamConfigurationInput"];
        };
        SshUpstream: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "private_key" | "border0_certificate";
            /** @example 127.0.0.1 */
            hostname: string;
            password_set: boolean;
            /** @default 22 */
            port: number;
            private_key_set: boolean;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "ssh";
            username?: string;
            /**
             * @default defined
             * @enum {string}
             */
            username_provider: "defined" | "prompt_client";
        };
        SshUpstreamInput: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "private_key" | "border0_certificate";
            /** @example 127.0.0.1 */
            hostname: string;
            password?: string;
            /** @default 22 */
            port: number;
            private_key?: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "ssh";
            username?: string;
            /**
             * @default defined
             * @enum {string}
             */
            username_provider: "defined" | "prompt_client";
        };
        /**
         * @example {
         *       "env": "prod"
         *     }
         */
        Tags: {
            [key: string]: string;
        };
        TlsUpstream: {
            /** @example 127.0.0.1 */
            hostname: string;
            port: number;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "tls";
        };
        TlsUpstreamInput: {
            /** @example 127.0.0.1 */
            hostname: string;
            port: number;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "tls";
        };
        /** @description Secrets are never returned; `*_set` says whether one is stored. */
        UpstreamConfiguration: components["schemas"]["HttpUpstream"] | components["schemas"]["SshUpstream"] | components["schemas"]["DatabaseUpstream"] | components["schemas"]["TlsUpstream"];
        UpstreamConfigurationInput: components["schemas"]["HttpUpstreamInput"] | components["schemas"]["SshUpstreamInput"] | components["schemas"]["DatabaseUpstreamInput"] | components["schemas"]["TlsUpstreamInput"];
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listOrganizations: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of organizations. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationPage"];
                };
            };
            /** @description The request is invalid; `errors` names the fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OrganizationCreate"];
            };
        };
        responses: {
            /** @description The new organization, with a one-time owner token. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationCreated"];
                };
            };
            /** @description The request is invalid; `errors` names the fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with an existing resource. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The `Idempotency-Key` was used for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getOrganization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Organization id or name, or `current` for the token’s own. */
                organization: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The organization. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Organization"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource in this organization. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Organization id or name, or `current` for the token’s own. */
                organization: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OrganizationUpdate"];
            };
        };
        responses: {
            /** @description The updated organization. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Organization"];
                };
            };
            /** @description The request is invalid; `errors` names the fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource in this organization. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `If-Match` does not match the current ETag. */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listSockets: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
                /** @description Exact name. */
                name?: string;
                /** @description Substring of name, display name or description. */
                search?: string;
                socket_type?: components["schemas"]["SocketType"];
                /** @description Sockets having all these tags, e.g. `env:prod,team:web`. */
                tag?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of sockets. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SocketPage"];
                };
            };
            /** @description The request is invalid; `errors` names the fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createSocket: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SocketCreate"];
            };
        };
        responses: {
            /** @description The new socket. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Socket"];
                };
            };
            /** @description The request is invalid; `errors` names the fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with an existing resource. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The `Idempotency-Key` was used for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSocket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Socket id or name. */
                socket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The socket. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Socket"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource in this organization. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteSocket: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Socket id or name. */
                socket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource in this organization. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `If-Match` does not match the current ETag. */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateSocket: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Socket id or name. */
                socket: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SocketUpdate"];
            };
        };
        responses: {
            /** @description The updated socket. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Socket"];
                };
            };
            /** @description The request is invalid; `errors` names the fields. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The token may not do this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource in this organization. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with an existing resource. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `If-Match` does not match the current ETag. */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
