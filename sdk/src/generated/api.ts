// Generated from spec/openapi.yaml by `pnpm --filter @border0/sdk generate`. Do not edit.

export interface paths {
    "/api/v1/access/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check access
         * @description Decides as the proxies do, over every policy that applies to the socket, and explains the decision policy by policy.
         */
        post: operations["checkAccess"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List audit entries, oldest first */
        get: operations["listAuditEntries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/device": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a device login
         * @description Starts a login of a client (RFC 8628 device authorization). The person opens `verification_uri` and enters `user_code` (or opens `verification_uri_complete`) and approves with email and password; the client polls `POST /auth/token` every `interval` seconds. Takes no token.
         */
        post: operations["startDeviceLogin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End a device login
         * @description Ends the login that the given refresh token or access token belongs to (RFC 7009): its refresh token and access tokens stop working at once. Answers 204 also for unknown tokens. Takes no bearer token.
         */
        post: operations["revokeLogin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Poll for the tokens of a device login, or refresh them
         * @description With `grant_type` `urn:ietf:params:oauth:grant-type:device_code`: answers 400 with an RFC 8628 error (`authorization_pending`, `slow_down` — polled faster than the interval, which then grows by 5 seconds — `access_denied`, `expired_token`, or `invalid_grant` for an unknown or used device code) until the person approves, then once the tokens: a person’s access token of the member’s role valid for one hour and a refresh token. With `grant_type` `refresh_token`: trades the refresh token for the next pair (the old one is spent; presenting a spent one ends the whole login) until the login ends after 30 days; `invalid_grant` otherwise. Takes no bearer token.
         */
        post: operations["requestDeviceToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/web-identity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchange an OIDC token for a service account token
         * @description Trades a signed OIDC token (JWT) of an issuer the service account trusts (its web identities) for a token of the account that lives 15 minutes, whatever the OIDC token's own expiry. The token must be signed with an asymmetric algorithm by a key of the issuer’s JWKS (found through OIDC discovery), be within its `nbf` and `exp` (30 seconds of clock skew), name the trust’s audience in `aud`, and carry a `sub` and claims that match the trust. Any refusal is the same 401. Takes no bearer token; rate limited per client address.
         */
        post: operations["exchangeWebIdentityToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/client/ca": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the organization’s certificate authorities
         * @description The public parts only: the CA of client certificates, the CA of the SSH certificates clients present to the proxies, and the platform CA that signs the proxies’ certificates. Readable with any token of the organization, a connector’s included.
         */
        get: operations["getCertificateAuthorities"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/client/certificates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get a client certificate (mTLS)
         * @description Signs the request’s key with the organization’s client CA for the caller: a person’s or a service account’s token. Valid for at most one hour, for TLS client authentication only.
         */
        post: operations["issueClientCertificate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/client/proxies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the proxies a client may connect through
         * @description The proxies that reported in the last 60 s, with the address clients reach them at. Readable by whoever may list the sockets.
         */
        get: operations["listClientProxies"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/client/ssh-certificates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get an SSH user certificate
         * @description Signs the public key with the organization’s SSH user CA for the caller: a person’s or a service account’s token. Valid for at most one hour.
         */
        post: operations["issueSshCertificate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connector/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get the connector’s configuration */
        get: operations["getConnectorConfig"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connector/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream the connector’s change events (Server-Sent Events)
         * @description A `text/event-stream` that stays open, so a connector learns of changes within moments:
         *     - `ready` `{"heartbeat_interval_seconds": 15}`: first on every stream; fetch `GET /connector/config` again.
         *     - `config` `{}`: the live proxies or the organization’s sockets changed; fetch `GET /connector/config` again.
         *
         *     The stream ends when the connector’s token is revoked or the connector deleted (reconnecting then gets 401).
         */
        get: operations["streamConnectorEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connector/heartbeat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report that the connector is alive
         * @description A connector that reported in the last 60 s is `online`.
         */
        post: operations["reportConnectorHeartbeat"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connector/sockets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the sockets the connector declared
         * @description The sockets this connector created through `PUT /connector/sockets/{name}` (connector.yaml, discovery): the ones it may change and delete. Sockets made by anyone else are not listed.
         */
        get: operations["listConnectorSockets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connector/sockets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Create or update a socket the connector declares
         * @description The socket is served by this connector alone (`connector_ids` = [this one]). Repeating the same declaration changes nothing. A socket of that name that this connector does not serve, or of another type, is a 409.
         */
        put: operations["putConnectorSocket"];
        post?: never;
        /**
         * Delete a socket the connector declared
         * @description Only a socket this connector declared: any other socket of that name (made by an admin or another connector) is a 409 and stays as it is.
         */
        delete: operations["deleteConnectorSocket"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List connectors */
        get: operations["listConnectors"];
        put?: never;
        /** Create a connector */
        post: operations["createConnector"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{connector}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a connector */
        get: operations["getConnector"];
        put?: never;
        post?: never;
        /**
         * Delete a connector
         * @description Its tokens stop working at once, and sockets no longer list it in `connector_ids`.
         */
        delete: operations["deleteConnector"];
        options?: never;
        head?: never;
        /** Update a connector */
        patch: operations["updateConnector"];
        trace?: never;
    };
    "/api/v1/connectors/{connector}/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the tokens of a connector */
        get: operations["listConnectorTokens"];
        put?: never;
        /** Create a token for a connector */
        post: operations["createConnectorToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connectors/{connector}/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a token of a connector */
        delete: operations["deleteConnectorToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List groups */
        get: operations["listGroups"];
        put?: never;
        /** Create a group */
        post: operations["createGroup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/groups/{group}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a group */
        get: operations["getGroup"];
        put?: never;
        post?: never;
        /** Delete a group */
        delete: operations["deleteGroup"];
        options?: never;
        head?: never;
        /** Update a group */
        patch: operations["updateGroup"];
        trace?: never;
    };
    "/api/v1/groups/{group}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add a member to a group
         * @description The person must already be a member of the organization.
         */
        post: operations["addGroupMember"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/groups/{group}/members/{member}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a member from a group */
        delete: operations["removeGroupMember"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/identity-providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List identity providers */
        get: operations["listIdentityProviders"];
        put?: never;
        /**
         * Create an identity provider
         * @description An OIDC provider (authorization code with PKCE) people of the organization log in through. Register `<API URL>/login/oidc/callback` as its redirect URI. The email claim names the member who logs in; the groups claim names the organization groups they are in (membership follows it at each login).
         */
        post: operations["createIdentityProvider"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/identity-providers/{identity_provider}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an identity provider */
        get: operations["getIdentityProvider"];
        put?: never;
        post?: never;
        /**
         * Delete an identity provider
         * @description Logins already made stay; no new login goes through it.
         */
        delete: operations["deleteIdentityProvider"];
        options?: never;
        head?: never;
        /** Update an identity provider */
        patch: operations["updateIdentityProvider"];
        trace?: never;
    };
    "/api/v1/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the organization’s invitations */
        get: operations["listInvitations"];
        put?: never;
        /**
         * Invite a person who has an account
         * @description The person joins with their own account when they accept (`POST /invitations/accept` with the code, shown once here), within 7 days. The answer is the same whether or not the email has an account. The role is at most what the caller may grant.
         */
        post: operations["createInvitation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/{invitation_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a pending invitation */
        delete: operations["revokeInvitation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept an invitation with one’s own account
         * @description With a person’s token (of any organization they belong to) whose email is the invitation’s: the account becomes a member of the inviting organization with the invitation’s role. Audited there.
         */
        post: operations["acceptInvitation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/logout-everywhere": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log out everywhere
         * @description Ends every browser login of the account, every web session derived from them (HTTP sockets ask again within seconds), and every device login (their refresh and access tokens). With a person’s token, or with the `border0_login` cookie and the `border0_csrf` cookie’s value in `X-CSRF-Token`.
         */
        post: operations["logoutEverywhere"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Change one’s own password
         * @description With a person’s token and, once the account has a password, the current one (a wrong one is refused with 403). People in several organizations set their password here.
         */
        put: operations["changeMyPassword"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/sockets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the sockets I may use
         * @description Every socket of the organization that the policies let the caller use now, decided as a proxy admits a connection (ssh connect, database access, http, tls) for the caller’s current standing and groups, at this moment, from the address of this request; with the effective permissions and how to connect. A caller who may use nothing (a `read_only` member, a token whose role uses no sockets, no policy) gets an empty list.
         */
        get: operations["listMySockets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/sockets/{socket}/terminal": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get a ticket for a terminal in the browser
         * @description For an ssh socket whose policies let the caller open a shell now (from the address of this request): a ticket for one terminal through a live proxy. 403 when no policy allows a shell, 409 when the socket is not an ssh socket or no proxy is live.
         */
        post: operations["openWebTerminal"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/totp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start enrolling a TOTP second factor
         * @description With a person’s token and the account’s current password (403 when wrong). Answers the secret once; the second factor is in force after `POST /me/totp/confirm`. 409 when one is already confirmed.
         */
        post: operations["startTotpEnrolment"];
        /**
         * Remove the TOTP second factor
         * @description With the account’s current password (403 when wrong). 404 when the account has none.
         */
        delete: operations["removeTotp"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me/totp/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm a TOTP enrolment with a first code
         * @description From then on the browser login asks for a code. 403 for a wrong code; 409 when none is pending.
         */
        post: operations["confirmTotpEnrolment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List members */
        get: operations["listMembers"];
        put?: never;
        /**
         * Add a member
         * @description Adds a person by email with an account of this organization (made now, or the one a returning member had), whose password this organization’s admins set. It never touches an account of another organization: the answer is the same whether or not the email has one. A person who already has an account and wants to use it here is invited instead (`POST /invitations`). The role is at most what the caller may grant.
         */
        post: operations["addMember"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/members/{member}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a member */
        get: operations["getMember"];
        put?: never;
        post?: never;
        /**
         * Remove a member
         * @description Also removes the member from this organization’s groups and revokes their admin tokens here.
         */
        delete: operations["removeMember"];
        options?: never;
        head?: never;
        /**
         * Change a member’s role
         * @description Only an owner may change an owner or make one. The last owner cannot be demoted.
         */
        patch: operations["updateMember"];
        trace?: never;
    };
    "/api/v1/members/{member}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set a member’s password
         * @description Sets the password the member logs in with (device login), for accounts this organization made (`POST /members`). A member who joined with their own account (an accepted invitation) sets their own (403 here). Only an owner may set an owner’s password.
         */
        put: operations["setMemberPassword"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
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
    "/api/v1/organizations/{organization}/jwks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the keys that verify an organization’s identity tokens
         * @description The JWKS that verifies `X-Border0-Identity`, the JWT a proxy sends an HTTP socket’s upstream: ES256, `iss` = `<API base URL>/api/v1/organizations/<organization id>`, `aud` = the socket’s host, `sub` = the email or `service-account:<name>`, five minutes. Takes no token. Empty until the organization’s first identity token.
         */
        get: operations["getOrganizationJwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List policies */
        get: operations["listPolicies"];
        put?: never;
        /** Create a policy */
        post: operations["createPolicy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policies/{policy}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a policy */
        get: operations["getPolicy"];
        put?: never;
        post?: never;
        /** Delete a policy */
        delete: operations["deletePolicy"];
        options?: never;
        head?: never;
        /** Update a policy */
        patch: operations["updatePolicy"];
        trace?: never;
    };
    "/api/v1/policies/{policy}/sockets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Attach a policy to a socket
         * @description Attaching a socket that is already attached changes nothing.
         */
        post: operations["attachPolicySocket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policies/{policy}/sockets/{socket}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Detach a policy from a socket */
        delete: operations["detachPolicySocket"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/policies/{policy}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test a policy (what-if)
         * @description Decides with this one policy alone, as if it applied to the socket, and says whether it does.
         */
        post: operations["testPolicy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/certificate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the proxies’ server certificate
         * @description Signs the request’s key with the platform CA for `*.<base domain>` and `<base domain>`, valid 90 days.
         */
        post: operations["issueProxyCertificate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/connectors/authenticate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check the token a connector presents in its tunnel
         * @description Answers the connector and the sockets it serves, and records that it was seen; 401 when the token is unknown, revoked or expired, or is not a connector’s.
         */
        post: operations["authenticateConnector"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream change events (Server-Sent Events)
         * @description A `text/event-stream` that stays open. Each event’s `data` is a JSON object:
         *     - `ready` `{"heartbeat_interval_seconds": 15}`: first on every stream. Fetch again everything cached: events before it were not seen.
         *     - `policy-data` `{"organization_id"}`: the organization’s policies, attachments, sockets, groups, members or service accounts changed.
         *     - `session-terminate` `{"session_id", "organization_id"}`: end this live session.
         *     - `socket` `{"dnsname"}`: the socket of this dnsname changed, was renamed or deleted.
         *     - `trust` `{"organization_id"}`: a new organization; fetch `GET /proxy/trust` again.
         *     - `connector-revoke` `{"organization_id", "connector_id", "token_id"}`: the connector’s token `token_id` was revoked (or, when null, the connector deleted): close its tunnels.
         *     - `proxies` `{}`: a proxy appeared or moved (for connectors; proxies may ignore it).
         *
         *     A comment line (`: heartbeat`) arrives every 15 s. When the stream ends, reconnect.
         */
        get: operations["streamProxyEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/http-identity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Find who a request to an HTTP socket comes from
         * @description Give exactly one of `bearer_token` (a person’s or service account’s API token) and `web_session_token`. 401 when the token is unknown, expired, revoked or logged out, or belongs to another organization than the socket’s; 404 when `host` is not an HTTP socket. The answer carries an identity token for the upstream and how long it may be reused.
         */
        post: operations["identifyHttpRequest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/organizations/{organization_id}/policy-data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an organization’s policy data, to decide locally
         * @description Fetch again on a `policy-data` event of `GET /proxy/events`, or when `version` may be stale.
         */
        get: operations["getPolicyData"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register a proxy, or renew its registration
         * @description An upsert by name. Call it every `heartbeat_interval_seconds` (by default 10 s; `BORDER0_PROXY_HEARTBEAT_SECONDS` of the server), and re-assert the live sessions carried with `POST /proxy/sessions/live`: connectors are offered the proxies registered in the last 60 s, and live sessions unheard of for `session_lease_seconds` are ended.
         */
        post: operations["registerProxy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report a new session */
        post: operations["createProxySession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Report progress of a session
         * @description Byte counts are totals that never decrease; an ended session takes no more reports (409).
         */
        patch: operations["updateProxySession"];
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/database-upstream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the login to a database socket’s upstream for a live session
         * @description The session must be live, allowed, opened by this proxy, and of a database socket.
         */
        post: operations["getDatabaseUpstreamCredentials"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report an event of a session
         * @description What happened inside a session: a command run, a channel refused, a file operation.
         */
        post: operations["addProxySessionEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/recordings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a recording of a live session
         * @description A session that has ended takes no new recording (409).
         */
        post: operations["createProxyRecording"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Store one chunk of a recording
         * @description The chunk’s bytes as `application/octet-stream`, at most 1048576 bytes. Number chunks 0, 1, 2… in the order they were written; they may arrive in any order, and putting a chunk again replaces it (a retry never duplicates data). A recording that has ended takes no more chunks (409).
         */
        put: operations["putProxyRecordingChunk"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/end": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End a recording
         * @description After the last chunk was stored. Ending a recording again answers it unchanged.
         */
        post: operations["endProxyRecording"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/ssh-host-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Check the upstream host key an ssh session met (trust on first use)
         * @description Keeps the key when the socket has none yet (`first_use`, audited); answers `known` when it is the one kept, and 409 when it differs: the proxy must then refuse the upstream.
         */
        put: operations["verifySshHostKey"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/{session_id}/ssh-upstream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get the login to an ssh socket’s upstream for a live session
         * @description The session must be live, allowed, and of an ssh socket. The login name is the socket’s `username` unless the socket lets the client pick it (`username_provider: prompt_client`), then `login_name`. For `border0_certificate` sockets send `public_key`: the answer carries a certificate for it, signed by the organization’s upstream CA (`ssh_upstream_ca_public_key` of `GET /client/ca`), valid for 5 minutes.
         */
        post: operations["getSshUpstreamCredentials"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sessions/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-assert the live sessions this proxy carries
         * @description Call it with every heartbeat and whenever the event stream (re)connects. It renews the lease of each listed live session this proxy opened, and answers which of them to end now: those an administrator terminated (perhaps while the event stream was down), those the control plane already ended, and those it does not know as this proxy’s. A live session neither re-asserted nor reported on for `session_lease_seconds` (3.5 heartbeats) is ended by the control plane with its open recordings: its proxy stopped, restarted, was cut off, or lost its end report.
         */
        post: operations["renewProxySessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/sockets/{dnsname}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Find the socket of a dnsname (the SNI of a connection) */
        get: operations["getProxySocket"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/trust": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the CAs of every organization and the platform CA
         * @description Fetch again on a `trust` event of `GET /proxy/events` (a new organization).
         */
        get: operations["getProxyTrust"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/web-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Trade a login code for a web session
         * @description The code of `/.border0/callback?code=…` is one-time, lives 60 s and is bound to the host it was issued for: any other use is a 401 and spends it. The web session token ends with the browser login (logout, logout everywhere, its expiry) and when the person leaves the organization.
         */
        post: operations["createWebSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/web-terminals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Find who a web terminal ticket is for
         * @description Proxy tokens only. 401 when the ticket is not valid for this proxy and host (forged, expired, another host or proxy); 404 when `host` is not an ssh socket. Says who, not whether: the proxy decides.
         */
        post: operations["redeemWebTerminalTicket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/service-accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List service accounts */
        get: operations["listServiceAccounts"];
        put?: never;
        /**
         * Create a service account
         * @description The role is at most the caller’s own.
         */
        post: operations["createServiceAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/service-accounts/{service_account}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a service account */
        get: operations["getServiceAccount"];
        put?: never;
        post?: never;
        /**
         * Delete a service account
         * @description Its tokens stop working at once.
         */
        delete: operations["deleteServiceAccount"];
        options?: never;
        head?: never;
        /** Update a service account */
        patch: operations["updateServiceAccount"];
        trace?: never;
    };
    "/api/v1/service-accounts/{service_account}/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the tokens of a service account */
        get: operations["listServiceAccountTokens"];
        put?: never;
        /** Create a token for a service account */
        post: operations["createServiceAccountToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/service-accounts/{service_account}/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a token of a service account */
        delete: operations["deleteServiceAccountToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/service-accounts/{service_account}/web-identities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the web identities a service account trusts */
        get: operations["listServiceAccountWebIdentities"];
        put?: never;
        /**
         * Trust an OIDC issuer’s tokens for a service account
         * @description Tokens of `issuer` whose `aud` names `audience`, whose `sub` matches `subject` and whose other claims match `claims` are then exchanged for short-lived tokens of the account (`POST /auth/web-identity`). Nothing is fetched from the issuer until the first exchange. At most 20 per account.
         */
        post: operations["createServiceAccountWebIdentity"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/service-accounts/{service_account}/web-identities/{web_identity}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Stop trusting a web identity
         * @description Its tokens are no longer exchanged, and the tokens exchanged through it stop working at once.
         */
        delete: operations["deleteServiceAccountWebIdentity"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List sessions, newest first */
        get: operations["listSessions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{session_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a session */
        get: operations["getSession"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{session_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the events of a session, oldest first */
        get: operations["listSessionEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{session_id}/recordings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the recordings of a session */
        get: operations["listSessionRecordings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{session_id}/recordings/{recording_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a recording
         * @description The recording as one file, in its format: an SSH terminal (`asciicast-v2`) as `application/x-asciicast`, ready for asciinema players. With `follow=true` the response stays open while the recording is live and carries each new chunk as it arrives; it ends when the recording ends (or shortly after its session ends).
         */
        get: operations["getSessionRecording"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{session_id}/terminate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ask the proxy carrying a live session to end it */
        post: operations["terminateSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
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
    "/api/v1/sockets/{socket}/effective-policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the policies that apply to a socket
         * @description Org-wide policies, policies attached to the socket, and policies whose tag rules match its tags.
         */
        get: operations["listEffectivePolicies"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sockets/{socket}/ssh-host-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Forget the upstream host key an ssh socket trusts
         * @description After an expected change of the upstream’s host key (a reinstalled server): the next connection trusts the key it meets, as on first use. Answers the socket.
         */
        delete: operations["clearSocketSshHostKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the admin tokens of the organization
         * @description Metadata only: a token’s secret is shown once, when it is created.
         */
        get: operations["listTokens"];
        put?: never;
        /**
         * Create an admin token for the caller
         * @description Only a person’s token can create one. The token acts as the caller, with at most the given role, and stops working when the caller leaves the organization.
         */
        post: operations["createToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an admin token
         * @description The caller’s own tokens, or another person’s whose role the caller could grant.
         */
        delete: operations["deleteToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description What the identity wants to do; `ssh` `connect` asks for a session at all. */
        AccessAction: components["schemas"]["SshAccessAction"] | components["schemas"]["DatabaseAccessAction"] | components["schemas"]["HttpAccessAction"] | components["schemas"]["TlsAccessAction"];
        AccessCheck: {
            action: components["schemas"]["AccessAction"];
            identity: components["schemas"]["AccessIdentity"];
            /**
             * @description The client address; its country is looked up.
             * @example 203.0.113.7
             */
            ip?: string;
            /**
             * @description Socket id or name.
             * @example web
             */
            socket: string;
            /**
             * Format: date-time
             * @description When; now when absent.
             * @example 2026-11-26T08:00:00.000Z
             */
            time?: string;
        };
        AccessDecision: {
            allowed: boolean;
            /** @description The country of `ip`; null for private addresses. */
            country: string | null;
            explanation: components["schemas"]["PolicyVerdict"][];
            identity: {
                email: string | null;
                /** @description Ids of the groups the person belongs to. */
                groups: string[];
                service_account: string | null;
            };
            ip: string | null;
            permissions: components["schemas"]["EffectivePermissions"];
            /** @example allowed by policy engineers-ssh */
            reason: string;
            socket: {
                id: string;
                name: string;
                socket_type: components["schemas"]["SocketType"];
            };
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            time: string;
        };
        /** @description A person by email (their groups are looked up) or a service account. */
        AccessIdentity: {
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email?: string;
            service_account?: string;
        };
        /** @description A token of the caller; `role` is at most the caller’s own. */
        AdminTokenCreate: {
            /**
             * Format: date-time
             * @description When the token stops working: in the future, at most one year ahead. Default: 90 days.
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at?: string;
            /** @example ci deploy */
            name: string;
            role: components["schemas"]["Role"];
        };
        AuditEntry: {
            /** @example socket.create */
            action: string;
            /** @example user:alice@acme.dev */
            actor: string;
            /** @description The `X-Request-Id` the caller sent, when it was 1 to 128 printable ASCII characters; never the server’s own id. Hashed when not null. */
            client_request_id: string | null;
            details: {
                [key: string]: unknown;
            };
            /** @description SHA-256 (hex) of the entry’s canonical JSON without `hash`, including `prev_hash`. */
            hash: string;
            id: string;
            ip: string | null;
            /** @description The `hash` of the entry before; 64 zeros for the first. */
            prev_hash: string;
            /** @description The server’s id of the request that made the change: its `X-Request-Id` answer header. */
            request_id: string | null;
            resource_id: string | null;
            /** @example socket */
            resource_type: string;
            /** @description Position in the organization’s chain, from 1. */
            seq: number;
            /**
             * Format: date-time
             * @description Exactly as hashed: UTC, millisecond precision.
             * @example 2026-11-26T08:00:00.000Z
             */
            time: string;
        };
        AuditEntryPage: {
            items: components["schemas"]["AuditEntry"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        CertificateAuthorities: {
            /** @description The platform CA certificate (PEM): what clients verify the proxies’ server certificates with. */
            platform_ca_certificate: string;
            /**
             * @description The SSH user CA key (OpenSSH format) of the certificates clients present to the proxies. Not for an upstream sshd’s `TrustedUserCAKeys`: that would let members skip the proxies and their policies.
             * @example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… acme Border0 user CA
             */
            ssh_ca_public_key: string;
            /**
             * @description The CA key (OpenSSH format) of the short-lived certificates proxies present to upstream servers of `border0_certificate` ssh sockets: put it in their sshd’s `TrustedUserCAKeys`.
             * @example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… acme Border0 upstream CA
             */
            ssh_upstream_ca_public_key: string;
            /** @description The client CA certificate (PEM): what a TLS server trusts to verify client certificates. */
            x509_ca_certificate: string;
        };
        ClientCertificate: {
            /** @description The chain to trust: the organization’s client CA certificate, PEM. */
            ca_certificate: string;
            /** @description The client certificate, PEM (clientAuth only). */
            certificate: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            not_after: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            not_before: string;
            /**
             * @description Serial number, hex.
             * @example 5f3a…
             */
            serial: string;
            /**
             * @description CN = the email of the person or `service-account:<name>`, O = the organization.
             * @example CN=alice@acme.dev, O=acme
             */
            subject: string;
        };
        ClientCertificateRequest: {
            /**
             * @description A PEM PKCS#10 certificate request signed with the client’s key: ECDSA P-256 or RSA of at least 2048 bits. Only its public key is used; the subject is set by the CA.
             * @example -----BEGIN CERTIFICATE REQUEST-----
             *     MIH…
             *     -----END CERTIFICATE REQUEST-----
             */
            csr: string;
            /**
             * @description How long the certificate is valid, in seconds: at most one hour (3600), which is also the default. A longer one is refused, not shortened. It never outlives the token that asks for it.
             * @example 3600
             */
            ttl_seconds?: number;
        };
        ClientProxy: {
            /** @example web */
            name: string;
            /** @example proxy-1.example.net:8443 */
            public_address: string;
            region: string | null;
        };
        /** @description Live proxies: the asked region first, then by name. */
        ClientProxyList: {
            items: components["schemas"]["ClientProxy"][];
        };
        Connector: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            description: string | null;
            /** @description The discovery plugins the connector runs, as of its last heartbeat. */
            discovery: components["schemas"]["ConnectorDiscoveryStatus"][];
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            last_seen_at: string | null;
            /** @example web */
            name: string;
            /** @description The proxies the connector reported holding a tunnel to, as of `last_seen_at`. */
            proxies_connected: string[];
            status: components["schemas"]["ConnectorStatus"];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
            /** @description The software version the connector reported. */
            version: string | null;
        };
        ConnectorAuthentication: {
            connector: {
                /**
                 * Format: uuid
                 * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
                 */
                id: string;
                /** @example web */
                name: string;
                /**
                 * Format: uuid
                 * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
                 */
                organization_id: string;
                /** @example web */
                organization_name: string;
            };
            /** @description The sockets the connector serves. */
            sockets: {
                dnsname: string;
                /**
                 * Format: uuid
                 * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
                 */
                id: string;
                socket_type: components["schemas"]["SocketType"];
            }[];
            /**
             * Format: uuid
             * @description The token presented: its revocation (a `connector-revoke` event) cuts the tunnel.
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            token_id: string;
        };
        ConnectorAuthenticationRequest: {
            /** @description The token the connector presented. */
            token: string;
        };
        ConnectorConfig: {
            /**
             * @description The name the proxies’ certificates hold (with `*.` before it): the server name for tunnels.
             * @example localhost
             */
            base_domain: string;
            connector: {
                /**
                 * Format: uuid
                 * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
                 */
                id: string;
                /** @example web */
                name: string;
                organization: components["schemas"]["OrganizationRef"];
            };
            /** @description The CA certificate (PEM) to verify proxies with. */
            platform_ca: string;
            /** @description The proxies registered in the last 60 s: hold a tunnel to each. */
            proxies: components["schemas"]["ConnectorProxy"][];
            sockets: components["schemas"]["ConnectorSocket"][];
        };
        ConnectorCreate: {
            description?: string;
            /** @example web */
            name: string;
        };
        /** @description A discovery plugin’s last run on the connector. */
        ConnectorDiscoveryStatus: {
            /** @description Why the last run failed; null if it did not. */
            error: string | null;
            /**
             * Format: date-time
             * @description When the plugin last finished a run.
             * @example 2026-11-26T08:00:00.000Z
             */
            last_run_at: string | null;
            /** @example network */
            plugin: string;
            /** @description Resources the last run found. */
            resources: number;
        };
        ConnectorHeartbeat: {
            /** @description Each discovery plugin’s last run; absent leaves the last report as it was. */
            discovery?: components["schemas"]["ConnectorDiscoveryStatus"][];
            /** @description Names of the proxies the connector holds a tunnel to. */
            proxies_connected: string[];
            /** @example 0.1.0 */
            version: string;
        };
        ConnectorPage: {
            items: components["schemas"]["Connector"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        ConnectorProxy: {
            /** @example web */
            name: string;
            /** @example proxy-1.example.net:8443 */
            public_address: string;
            region: string | null;
        };
        /** @description A socket the connector serves. Secrets are never included; references to them are. */
        ConnectorSocket: {
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
            /** @description The secret references among the socket’s credentials (`${from:env:NAME}`, `${from:file:PATH}`): the connector resolves these, and only these, when a proxy asks for them. */
            secret_references: string[];
            socket_type: components["schemas"]["SocketType"];
            upstream_configuration: components["schemas"]["UpstreamConfiguration"];
        };
        /** @description A socket the connector declares (e.g. in connector.yaml); absent fields are cleared. */
        ConnectorSocketPut: {
            description?: string;
            socket_type: components["schemas"]["SocketType"];
            tags?: components["schemas"]["Tags"];
            upstream_configuration: components["schemas"]["UpstreamConfigurationInput"];
        };
        /**
         * @description `online` when the connector was seen in the last 60 s.
         * @enum {string}
         */
        ConnectorStatus: "online" | "offline";
        ConnectorUpdate: {
            description?: string | null;
            /** @example web */
            name?: string;
        };
        DatabaseAccess: {
            allowed_query_types: ("read_only" | "read_write" | "ddl" | "admin" | "all")[];
            /**
             * @description A database name, or `*` for every database.
             * @example app
             */
            database: string;
        };
        DatabaseAccessAction: {
            database?: string;
            /** @enum {string} */
            query_type?: "read_only" | "read_write" | "ddl" | "admin";
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "database";
        };
        DatabasePermissions: {
            /** @description Databases and query types allowed; absent allows all of them. */
            allowed_databases?: components["schemas"]["DatabaseAccess"][];
            /**
             * @description Longest session in seconds (at most 30 days).
             * @example 3600
             */
            max_session_duration_seconds?: number;
        };
        DatabaseUpstream: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "tls" | "no_auth";
            database?: string;
            /** @example 127.0.0.1 */
            hostname: string;
            password_set: boolean;
            port: number;
            private_key_set: boolean;
            /** @enum {string} */
            protocol: "postgres" | "mysql";
            tls?: {
                ca_certificate?: string;
                /** @description A client certificate (PEM) the proxy presents to the upstream; its key is the write-only `private_key`. Required with `authentication_type: tls` (PostgreSQL `cert`, MySQL `REQUIRE X509`). */
                client_certificate?: string;
                /** @default false */
                enabled?: boolean;
                /**
                 * @default full
                 * @enum {string}
                 */
                verify?: "full" | "ca" | "none";
            };
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "database";
            username?: string;
        };
        /** @description What a proxy needs to log in to a database socket’s upstream for one live session. Secret. */
        DatabaseUpstreamCredentials: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "tls" | "no_auth";
            /** @description The socket’s default database, if it names one. */
            database: string | null;
            hostname: string;
            /** @description The stored password, when the socket has one. */
            password?: string;
            port: number;
            /** @description The key of `tls.client_certificate`, when the socket has one (or a secret reference). */
            private_key?: string;
            /** @enum {string} */
            protocol: "postgres" | "mysql";
            tls: {
                ca_certificate?: string;
                client_certificate?: string;
                enabled: boolean;
                /** @enum {string} */
                verify: "full" | "ca" | "none";
            };
            /** @description The upstream user; null when the socket names none (the client’s own user name is used). */
            username: string | null;
        };
        DatabaseUpstreamInput: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "tls" | "no_auth";
            database?: string;
            /** @example 127.0.0.1 */
            hostname: string;
            password?: string;
            port: number;
            /** @description The key (PEM) of `tls.client_certificate`, or a reference the connector resolves. */
            private_key?: string;
            /** @enum {string} */
            protocol: "postgres" | "mysql";
            tls?: {
                ca_certificate?: string;
                /** @description A client certificate (PEM) the proxy presents to the upstream; its key is the write-only `private_key`. Required with `authentication_type: tls` (PostgreSQL `cert`, MySQL `REQUIRE X509`). */
                client_certificate?: string;
                /** @default false */
                enabled?: boolean;
                /**
                 * @default full
                 * @enum {string}
                 */
                verify?: "full" | "ca" | "none";
            };
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "database";
            username?: string;
        };
        DeviceAuthorization: {
            /** @description Secret: the client polls with it. */
            device_code: string;
            /** @example 600 */
            expires_in: number;
            /**
             * @description Seconds to wait between polls.
             * @example 2
             */
            interval: number;
            /**
             * @description What the person enters on the page.
             * @example BDFG-HJKL
             */
            user_code: string;
            /** @example https://border0.example/device */
            verification_uri: string;
            /** @example https://border0.example/device?user_code=BDFG-HJKL */
            verification_uri_complete: string;
        };
        DeviceAuthorizationRequest: {
            /** @description The organization to log in to, by name; the person’s first one when absent. */
            organization?: string;
        };
        DeviceToken: {
            /** @description A person’s token (shown once), short-lived. */
            access_token: string;
            /**
             * @description Who approved the login.
             * @example alice@acme.dev
             */
            email: string;
            /**
             * @description Seconds the access token lives.
             * @example 3600
             */
            expires_in: number;
            /**
             * Format: date-time
             * @description When the login ends; refreshing stops there.
             * @example 2026-11-26T08:00:00.000Z
             */
            login_expires_at: string;
            /** @example acme */
            organization: string;
            /** @description Single use: trade it for the next pair before the login ends. Using one twice ends the login. */
            refresh_token: string;
            /** @enum {string} */
            token_type: "Bearer";
        };
        /** @description An error of the token endpoint (RFC 8628 §3.5). */
        DeviceTokenError: {
            /** @enum {string} */
            error: "authorization_pending" | "slow_down" | "access_denied" | "expired_token" | "invalid_grant";
            error_description?: string;
        };
        /** @description Either a poll of a device login (its device code) or a refresh (the last refresh token). */
        DeviceTokenRequest: {
            device_code: string;
            /** @enum {string} */
            grant_type: "urn:ietf:params:oauth:grant-type:device_code";
        } | {
            /** @enum {string} */
            grant_type: "refresh_token";
            refresh_token: string;
        };
        /** @description The union of what the matching policies allow on the socket. */
        EffectivePermissions: {
            database?: {
                /** @description null allows any. */
                allowed_databases: {
                    allowed_query_types: ("read_only" | "read_write" | "ddl" | "admin" | "all")[];
                    database: string;
                }[] | null;
            };
            max_session_duration_seconds: number | null;
            socket_type: components["schemas"]["SocketType"];
            ssh?: {
                agent_forwarding: boolean;
                /** @description null allows any. */
                allowed_usernames: string[] | null;
                exec: {
                    allowed: boolean;
                    /** @description null allows any. */
                    commands: string[] | null;
                };
                sftp: boolean;
                shell: boolean;
                tcp_forwarding: {
                    allowed: boolean;
                    /** @description null allows any. */
                    allowed_connections: {
                        destination_address: string;
                        destination_port: string;
                    }[] | null;
                };
            };
        } | null;
        EffectivePolicy: {
            policy: components["schemas"]["Policy"];
            /** @description The matching rule, when via a tag rule. */
            tag_rule: {
                [key: string]: string;
            } | null;
            /** @enum {string} */
            via: "org_wide" | "attached" | "tag_rule";
        };
        /** @description Every policy that applies to the socket. */
        EffectivePolicyList: {
            items: components["schemas"]["EffectivePolicy"][];
        };
        FieldError: {
            field: string;
            message: string;
        };
        Group: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            description: string | null;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            members: components["schemas"]["GroupMember"][];
            /** @example web */
            name: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
        };
        GroupCreate: {
            description?: string;
            /** @example web */
            name: string;
        };
        GroupMember: {
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            user_id: string;
        };
        GroupMemberAdd: {
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email: string;
        };
        GroupPage: {
            items: components["schemas"]["Group"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        GroupUpdate: {
            description?: string | null;
            /** @example web */
            name?: string;
        };
        HttpAccessAction: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "http";
        };
        HttpIdentity: {
            /** @description How long the proxy may reuse this answer before asking again. */
            cache_seconds: number;
            /** @description A JWT for the upstream (`X-Border0-Identity`), ES256, verifiable with `GET /organizations/{organization}/jwks`. */
            identity_token: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            identity_token_expires_at: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            organization_id: string;
            /** @description Set for a service account: its name. */
            service_account?: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            socket_id: string;
            /** @description Set for a person. */
            user_email?: string;
        };
        /** @description Exactly one of `bearer_token` and `web_session_token`. */
        HttpIdentityRequest: {
            /** @description A token from `Authorization: Bearer`: a person’s or a service account’s API token. */
            bearer_token?: string;
            /** @example web-acme.border0.example */
            host: string;
            /** @description A web session token from `POST /proxy/web-sessions` (the proxy’s cookie). */
            web_session_token?: string;
        };
        HttpPermissions: Record<string, never>;
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
            scheme?: "http" | "https";
            /** @description `scheme: https` only: how the upstream’s certificate is verified (default full). */
            tls?: {
                /** @description The CA (PEM) to trust instead of the public ones. */
                ca_certificate?: string;
                /**
                 * @description The name sent in SNI and checked in the certificate with `verify: full`.
                 * @example 127.0.0.1
                 */
                server_name?: string;
                /**
                 * @description `full`: the certificate chains to a trusted CA and names the upstream (`server_name`, else `host_header`, else `hostname`); `ca`: the chain only; `none`: encrypted, not verified.
                 * @default full
                 * @enum {string}
                 */
                verify?: "full" | "ca" | "none";
            };
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
            scheme?: "http" | "https";
            /** @description `scheme: https` only: how the upstream’s certificate is verified (default full). */
            tls?: {
                /** @description The CA (PEM) to trust instead of the public ones. */
                ca_certificate?: string;
                /**
                 * @description The name sent in SNI and checked in the certificate with `verify: full`.
                 * @example 127.0.0.1
                 */
                server_name?: string;
                /**
                 * @description `full`: the certificate chains to a trusted CA and names the upstream (`server_name`, else `host_header`, else `hostname`); `ca`: the chain only; `none`: encrypted, not verified.
                 * @default full
                 * @enum {string}
                 */
                verify?: "full" | "ca" | "none";
            };
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "http";
        };
        IdentityProvider: {
            client_id: string;
            /** @description Whether a client secret is stored (it is write-only: never returned). */
            client_secret_set: boolean;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            /** @description The label of the login button. */
            display_name: string | null;
            email_claim: string;
            enabled: boolean;
            groups_claim: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            issuer: string;
            /** @example web */
            name: string;
            scopes: string[];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
        };
        IdentityProviderCreate: {
            client_id: string;
            /** @description Stored sealed and never returned; without one the client is public (PKCE only). */
            client_secret?: string;
            display_name?: string;
            /** @description Default `email`. */
            email_claim?: string;
            /** @description Default true. */
            enabled?: boolean;
            /** @description Default `groups`: the names of organization groups the person is in. */
            groups_claim?: string;
            /** @example https://accounts.example.com */
            issuer: string;
            /** @example web */
            name: string;
            /**
             * @description Default `openid email profile`.
             * @example [
             *       "openid",
             *       "email",
             *       "profile"
             *     ]
             */
            scopes?: string[];
        };
        IdentityProviderPage: {
            items: components["schemas"]["IdentityProvider"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        IdentityProviderUpdate: {
            client_id?: string;
            /** @description A new secret, or null to remove it. */
            client_secret?: string | null;
            display_name?: string | null;
            email_claim?: string;
            enabled?: boolean;
            groups_claim?: string;
            /** @example https://accounts.example.com */
            issuer?: string;
            /** @example web */
            name?: string;
            /**
             * @example [
             *       "openid",
             *       "email",
             *       "profile"
             *     ]
             */
            scopes?: string[];
        };
        Invitation: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description When it was accepted or revoked.
             * @example 2026-11-26T08:00:00.000Z
             */
            decided_at: string | null;
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @description Who invited, as the audit log names them. */
            invited_by: string;
            role: components["schemas"]["Role"];
            /** @enum {string} */
            status: "pending" | "accepted" | "revoked" | "expired";
        };
        InvitationAccept: {
            /** @description The code the invitation was created with. */
            code: string;
        };
        /** @description The organization the account is now a member of: log in to it (`border0 login --org`). */
        InvitationAccepted: {
            organization: components["schemas"]["OrganizationRef"];
            role: components["schemas"]["Role"];
        };
        InvitationCreate: {
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email: string;
            role: components["schemas"]["Role"];
        };
        InvitationCreated: components["schemas"]["Invitation"] & {
            /** @description Shown once: give it to the person, who accepts with it while logged in to their own account (`POST /invitations/accept`, `border0 invitation accept <code>`). */
            code: string;
        };
        InvitationPage: {
            items: components["schemas"]["Invitation"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        /** @description A public key (RFC 7517). */
        Jwk: {
            alg: string;
            crv?: string;
            e?: string;
            kid: string;
            kty: string;
            n?: string;
            use: string;
            x?: string;
            y?: string;
        };
        /** @description The public keys of an organization’s identity tokens (RFC 7517). */
        Jwks: {
            keys: components["schemas"]["Jwk"][];
        };
        LoggedOut: {
            /** @description Browser logins and device logins that ended (their web sessions with them). */
            logins_ended: number;
        };
        Member: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            display_name: string | null;
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email: string;
            role: components["schemas"]["Role"];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            user_id: string;
        };
        MemberCreate: {
            /**
             * Format: email
             * @example alice@acme.dev
             */
            email: string;
            role: components["schemas"]["Role"];
        };
        MemberPage: {
            items: components["schemas"]["Member"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        MemberUpdate: {
            role: components["schemas"]["Role"];
        };
        MySocket: {
            connect: components["schemas"]["SocketConnectInstructions"];
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
            permissions: components["schemas"]["EffectivePermissions"];
            recording_enabled: boolean;
            socket_type: components["schemas"]["SocketType"];
            tags: components["schemas"]["Tags"];
        };
        /** @description The sockets the caller may use now, by name. */
        MySocketList: {
            items: components["schemas"]["MySocket"][];
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
        OrganizationClientCa: {
            /** @description The organization’s client CA certificate, PEM. */
            certificate: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            organization_id: string;
            /** @example web */
            organization_name: string;
            /** @description The organization’s SSH user CA key (OpenSSH line), for SSH user certificates. */
            ssh_ca_public_key: string;
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
        OrganizationRef: {
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @example web */
            name: string;
        };
        OrganizationUpdate: {
            display_name?: string | null;
        };
        PasswordChange: {
            /**
             * Format: password
             * @description Required once the account has a password.
             */
            current_password?: string;
            /**
             * Format: password
             * @description At least 12 characters.
             */
            password: string;
        };
        PasswordSet: {
            /**
             * Format: password
             * @description At least 12 characters.
             */
            password: string;
        };
        Policy: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            description: string | null;
            document: components["schemas"]["PolicyDocument"];
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @example web */
            name: string;
            /** @description Applies to every socket of the organization. */
            org_wide: boolean;
            /** @description Sockets the policy is attached to by id. */
            socket_ids: string[];
            tag_rules: components["schemas"]["Tags"][];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
            version: components["schemas"]["PolicyVersion"];
        };
        PolicyAttach: {
            /**
             * @description Socket id or name.
             * @example web
             */
            socket: string;
        };
        PolicyCondition: {
            when?: components["schemas"]["PolicyWhen"];
            where?: components["schemas"]["PolicyWhere"];
            who?: components["schemas"]["PolicyWho"];
        };
        PolicyCreate: {
            description?: string;
            document: components["schemas"]["PolicyDocument"];
            /** @example engineers-ssh */
            name: string;
            /** @default false */
            org_wide?: boolean;
            /**
             * @description Sockets to attach, by id or name.
             * @example [
             *       "web"
             *     ]
             */
            sockets?: string[];
            /**
             * @description Sockets whose tags include all the tags of one of these maps.
             * @example [
             *       {
             *         "env": "prod"
             *       }
             *     ]
             */
            tag_rules?: components["schemas"]["Tags"][];
            version?: components["schemas"]["PolicyVersion"];
        };
        /** @description What a proxy needs to decide with the SDK’s PolicyEngine. */
        PolicyData: {
            /** @description The members who may use sockets (every role but read_only), with their groups. Anyone else, e.g. the holder of a certificate of a removed member, is denied. */
            identities: components["schemas"]["PolicyIdentity"][];
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            organization_id: string;
            policies: components["schemas"]["PolicyInput"][];
            /** @description Names of the service accounts that may use sockets; any other is denied. */
            service_accounts: string[];
            /**
             * @description A digest of this content: equal versions mean equal data.
             * @example 5f0c9a7e3b1d2c4e6f8a0b1c2d3e4f50
             */
            version: string;
        };
        /** @description What a policy allows, to whom, from where and when. */
        PolicyDocument: {
            condition: components["schemas"]["PolicyCondition"];
            permissions: components["schemas"]["PolicyPermissions"];
        };
        PolicyIdentity: {
            email: string;
            /** @description Ids of the groups the person belongs to. */
            groups: string[];
        };
        /** @description A policy as the policy engine of @border0/sdk/policy reads it. */
        PolicyInput: {
            document: components["schemas"]["PolicyDocument"];
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @example web */
            name: string;
            /** @description Applies to every socket of the organization. */
            org_wide: boolean;
            /** @description Sockets the policy is attached to by id. */
            socket_ids: string[];
            tag_rules: components["schemas"]["Tags"][];
        };
        PolicyPage: {
            items: components["schemas"]["Policy"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        /** @description A present key allows that socket type. */
        PolicyPermissions: {
            database?: components["schemas"]["DatabasePermissions"];
            http?: components["schemas"]["HttpPermissions"];
            ssh?: components["schemas"]["SshPermissions"];
            tls?: components["schemas"]["TlsPermissions"];
        };
        PolicyTest: {
            action: components["schemas"]["AccessAction"];
            identity: components["schemas"]["AccessIdentity"];
            /**
             * @description The client address; its country is looked up.
             * @example 203.0.113.7
             */
            ip?: string;
            /** @description Socket id or name. */
            socket: string;
            /**
             * Format: date-time
             * @description When; now when absent.
             * @example 2026-11-26T08:00:00.000Z
             */
            time?: string;
        };
        PolicyTestResult: components["schemas"]["AccessDecision"] & {
            /** @description Whether the policy applies to the socket today; the test evaluates it as if it did. */
            applies_to_socket: boolean;
        };
        /** @description Fields to change. */
        PolicyUpdate: {
            description?: string | null;
            document?: components["schemas"]["PolicyDocument"];
            /** @example engineers-ssh */
            name?: string;
            org_wide?: boolean;
            /**
             * @description Replaces the attached sockets (ids or names).
             * @example [
             *       "web"
             *     ]
             */
            sockets?: string[];
            /**
             * @description Sockets whose tags include all the tags of one of these maps.
             * @example [
             *       {
             *         "env": "prod"
             *       }
             *     ]
             */
            tag_rules?: components["schemas"]["Tags"][];
            version?: components["schemas"]["PolicyVersion"];
        };
        PolicyVerdict: {
            /** @enum {string} */
            failed?: "who" | "where" | "when" | "permission";
            matched: boolean;
            policy_id: string;
            policy_name: string;
            /** @example where: 198.51.100.4 is outside 203.0.113.0/24 */
            reason: string;
        };
        /** @enum {string} */
        PolicyVersion: "v2";
        /** @description Validity period, and a daily window (which may span midnight) in its own time zone. */
        PolicyWhen: {
            /** Format: date-time */
            after?: string | null;
            /** Format: date-time */
            before?: string | null;
            /**
             * @description HH:MM and an IANA time zone.
             * @example 08:00 Europe/Amsterdam
             */
            time_of_day_after?: string;
            /**
             * @description HH:MM and an IANA time zone.
             * @example 18:00 UTC
             */
            time_of_day_before?: string;
        };
        PolicyWhere: {
            /**
             * @example [
             *       "0.0.0.0/0",
             *       "::/0"
             *     ]
             */
            allowed_ip?: string[];
            /**
             * @example [
             *       "NL",
             *       "US"
             *     ]
             */
            country?: string[];
            /**
             * @example [
             *       "KP"
             *     ]
             */
            country_not?: string[];
        };
        PolicyWho: {
            email?: string[];
            group?: string[];
            service_account?: string[];
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
        ProxyCertificate: {
            /** @description The platform CA certificate, PEM. */
            ca_certificate: string;
            /** @description For `*.<base domain>` and `<base domain>`, PEM. */
            certificate: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            not_after: string;
        };
        ProxyCertificateRequest: {
            /** @description A PEM PKCS#10 request signed with the proxy’s key (ECDSA P-256 or RSA ≥ 2048). */
            csr: string;
        };
        ProxyLiveSessions: {
            /** @description Sessions this proxy carries now (at most 1000 per call). */
            session_ids: string[];
        };
        ProxyRegistered: {
            /**
             * @description Register again this often, and re-assert the live sessions carried (`POST /proxy/sessions/live`); a proxy unheard of for 60 s is no longer offered to connectors.
             * @example 10
             */
            heartbeat_interval_seconds: number;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /** @example web */
            name: string;
            /**
             * @description A live session neither re-asserted nor reported on for this long is ended by the control plane (3.5 heartbeats).
             * @example 35
             */
            session_lease_seconds: number;
        };
        ProxyRegistration: {
            /** @example eu-1 */
            name: string;
            /**
             * @description Where clients and connectors reach this proxy.
             * @example proxy-1.example.net:8443
             */
            public_address: string;
            /** @example eu-west */
            region?: string;
            version?: string;
        };
        /** @description Reported by a proxy when a connection arrives. A denied session starts already ended. */
        ProxySessionCreate: {
            /** @description Identical refusals counted into this one record (default 1); more than 1 only when denied. */
            attempts?: number;
            /**
             * @description IPv4 or IPv6 address.
             * @example 192.0.2.7
             */
            client_ip?: string;
            client_port?: number;
            country?: string;
            reason?: string;
            /** @enum {string} */
            result: "allowed" | "denied";
            /** @description Service account name. */
            service_account?: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            socket_id: string;
            /**
             * Format: email
             * @example alice@acme.dev
             */
            user_email?: string;
        };
        ProxySessionsToEnd: {
            /** @description Sessions of the list to end now, with why: terminated by an administrator, already ended by the control plane, or not opened by this proxy. */
            end: {
                reason: string;
                /**
                 * Format: uuid
                 * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
                 */
                session_id: string;
            }[];
            /** @example 35 */
            session_lease_seconds: number;
        };
        /** @description A socket as a proxy serves it. Secrets are never included. */
        ProxySocket: {
            connector_ids: string[];
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
            /** @description ssh sockets that record: also record what the client sends on its shell and command channels (asciicast `i` events), so that typing with terminal echo off leaves a trace. Off by default: passwords typed at prompts are recorded too. */
            recording_input_enabled: boolean;
            socket_type: components["schemas"]["SocketType"];
            tags: components["schemas"]["Tags"];
            upstream_configuration: components["schemas"]["UpstreamConfiguration"];
        };
        ProxySocketLookup: {
            organization: components["schemas"]["OrganizationRef"];
            socket: components["schemas"]["ProxySocket"];
        };
        ProxyTrust: {
            /** @description One per organization: what client certificates are verified against. */
            client_cas: components["schemas"]["OrganizationClientCa"][];
            /** @description The platform CA certificate (PEM) that signs proxies’ server certificates. */
            platform_ca: string;
        };
        Recording: {
            /**
             * Format: date-time
             * @description Null while the proxy is still recording.
             * @example 2026-11-26T08:00:00.000Z
             */
            ended_at: string | null;
            /** @enum {string} */
            format: "asciicast-v2" | "query-log" | "http-log";
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            session_id: string;
            /** @description Bytes stored so far: the sum of the chunks. */
            size_bytes: number;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            started_at: string;
        };
        RecordingCreate: {
            /**
             * @description `asciicast-v2`: an SSH terminal (asciicast v2); `query-log`: a database session’s statements (JSON lines: a header, then one line per statement with `t` seconds, `seq`, `db`, `kind`, `statement`, `params`, `query_type`, `duration_ms`, `rows`, `tag`, `error` or `refused`); `http-log`: an HTTP session’s access log (JSON lines: a header with `version` 1, `session_id`, `socket`, `identity`, `started_at`, then one line per finished request with `t` seconds, `method`, `path`, `status`, `bytes_in`, `bytes_out`, `duration_ms`, `user`, and `upgrade: true` for a WebSocket or `error` when the upstream could not answer).
             * @enum {string}
             */
            format: "asciicast-v2" | "query-log" | "http-log";
            /**
             * Format: date-time
             * @description When recording started; now when absent.
             * @example 2026-11-26T08:00:00.000Z
             */
            started_at?: string;
        };
        RecordingPage: {
            items: components["schemas"]["Recording"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        /** @enum {string} */
        Role: "owner" | "admin" | "member" | "read_only" | "client";
        ServiceAccount: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            description: string | null;
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
        ServiceAccountCreate: {
            description?: string;
            /** @example web */
            name: string;
            role: components["schemas"]["Role"];
        };
        ServiceAccountPage: {
            items: components["schemas"]["ServiceAccount"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        /** @description A new role applies to the account’s tokens at once. */
        ServiceAccountUpdate: {
            description?: string | null;
            /** @example web */
            name?: string;
            role?: components["schemas"]["Role"];
        };
        Session: {
            /** @description How many connections this record stands for: a proxy reports a refusal before authentication (no valid client certificate, another organization's) once per socket, client address and reason, then counts the repeats of a window into one more record. */
            attempts: number;
            bytes_in: number;
            bytes_out: number;
            client_ip: string | null;
            client_port: number | null;
            /** @description ISO 3166-1 alpha-2 code of the client IP. */
            country: string | null;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            ended_at: string | null;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            last_seen_at: string;
            /** @description Whether the session has not ended. */
            live: boolean;
            reason: string | null;
            result: components["schemas"]["SessionResult"];
            /** @description Kept after the socket is deleted. */
            socket_id: string;
            /** @description The socket’s name when the session started. */
            socket_name: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            started_at: string;
            /**
             * Format: date-time
             * @description When an admin asked for the session to end; the proxy carrying it closes it.
             * @example 2026-11-26T08:00:00.000Z
             */
            terminate_requested_at: string | null;
            user: {
                email: string | null;
                /** @description Service account name. */
                service_account: string | null;
            };
        };
        SessionEvent: {
            data: {
                [key: string]: unknown;
            };
            /** @example 42 */
            id: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            time: string;
            /** @example ssh.exec */
            type: string;
        };
        SessionEventCreate: {
            /** @description At most 65536 bytes as JSON. */
            data: {
                [key: string]: unknown;
            };
            /**
             * Format: date-time
             * @description When it happened; now when absent.
             * @example 2026-11-26T08:00:00.000Z
             */
            time?: string;
            type: string;
        };
        SessionEventPage: {
            items: components["schemas"]["SessionEvent"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        SessionPage: {
            items: components["schemas"]["Session"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        /** @enum {string} */
        SessionResult: "allowed" | "denied" | "terminated" | "failed";
        /** @description A progress report from the proxy; every report also refreshes `last_seen_at`. */
        SessionUpdate: {
            /** @description Total so far; never decreases. */
            bytes_in?: number;
            /** @description Total so far; never decreases. */
            bytes_out?: number;
            /**
             * @description The connection closed.
             * @enum {boolean}
             */
            ended?: true;
            reason?: string;
            result?: components["schemas"]["SessionResult"];
        };
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
            /** @description ssh sockets that record: also record what the client sends on its shell and command channels (asciicast `i` events), so that typing with terminal echo off leaves a trace. Off by default: passwords typed at prompts are recorded too. */
            recording_input_enabled: boolean;
            socket_type: components["schemas"]["SocketType"];
            tags: components["schemas"]["Tags"];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            updated_at: string;
            upstream_configuration: components["schemas"]["UpstreamConfiguration"];
        };
        SocketConnectInstructions: {
            /**
             * @description What to run (or open) to reach the socket, in order; `<...>` marks a value to choose.
             * @example [
             *       "border0 client db db"
             *     ]
             */
            commands: string[];
            /** @example db-acme.localhost */
            dnsname: string;
            /** @description For http sockets: the address to open in a browser. */
            url: string | null;
            /** @description ssh sockets whose policies allow a shell: the portal’s terminal can open one. */
            web_terminal: boolean;
        };
        SocketCreate: {
            connector_ids?: string[];
            description?: string;
            display_name?: string;
            /** @example web */
            name: string;
            recording_enabled?: boolean;
            /** @description ssh sockets that record: also record what the client sends on its shell and command channels (asciicast `i` events), so that typing with terminal echo off leaves a trace. Off by default: passwords typed at prompts are recorded too. */
            recording_input_enabled?: boolean;
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
            /** @description ssh sockets that record: also record what the client sends on its shell and command channels (asciicast `i` events), so that typing with terminal echo off leaves a trace. Off by default: passwords typed at prompts are recorded too. */
            recording_input_enabled?: boolean;
            tags?: components["schemas"]["Tags"];
            upstream_configuration?: components["schemas"]["UpstreamConfigurationInput"];
        };
        SshAccessAction: {
            /** @description The command, for `exec`. */
            command?: string;
            /** @description For `tcp_forwarding`. */
            destination_address?: string;
            /** @description For `tcp_forwarding`. */
            destination_port?: number;
            /** @enum {string} */
            kind: "connect" | "shell" | "exec" | "sftp" | "tcp_forwarding" | "agent_forwarding";
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "ssh";
            /** @description The login name, when the client picks it. */
            username?: string;
        };
        SshAgentForwardingPermission: Record<string, never>;
        SshCertificate: {
            /** @description The organization’s SSH user CA, OpenSSH format. */
            ca_public_key: string;
            /**
             * @description The OpenSSH user certificate line, for `~/.ssh/id_…-cert.pub`.
             * @example ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQt… alice@acme.dev
             */
            certificate: string;
            /**
             * @description The identity: the email of the person or `service-account:<name>`.
             * @example alice@acme.dev
             */
            key_id: string;
            /**
             * @description Login names: the email and its local part, or the service account’s name.
             * @example [
             *       "alice@acme.dev",
             *       "alice"
             *     ]
             */
            principals: string[];
            /**
             * @description Serial number, decimal (64 bits).
             * @example 1234567890
             */
            serial: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            valid_after: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            valid_before: string;
        };
        SshCertificateRequest: {
            /**
             * @description An OpenSSH public key line: Ed25519, ECDSA (NIST curves), RSA of at least 2048 bits, or their security-key (sk-) variants.
             * @example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice@laptop
             */
            public_key: string;
            /**
             * @description How long the certificate is valid, in seconds: at most one hour (3600), which is also the default. A longer one is refused, not shortened. It never outlives the token that asks for it.
             * @example 3600
             */
            ttl_seconds?: number;
        };
        SshExecPermission: {
            /** @description Allowed commands, each compared exactly (character for character) with the command the client sends; absent allows any command. Commands with control characters are never allowed. */
            commands?: string[];
        };
        SshHostKeyReport: {
            /**
             * @description The key the upstream presented.
             * @example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI…
             */
            host_key: string;
        };
        SshHostKeyVerdict: {
            /** @example SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU */
            fingerprint: string;
            /**
             * @description `first_use`: none was kept, this one is now; `known`: it is the one kept.
             * @enum {string}
             */
            trust: "known" | "first_use";
        };
        /** @description SSH access. An absent action is denied. */
        SshPermissions: {
            agent_forwarding?: components["schemas"]["SshAgentForwardingPermission"];
            /** @description Upstream usernames a session may use; absent allows any. */
            allowed_usernames?: string[];
            exec?: components["schemas"]["SshExecPermission"];
            /**
             * @description Longest session in seconds (at most 30 days).
             * @example 3600
             */
            max_session_duration_seconds?: number;
            sftp?: components["schemas"]["SshSftpPermission"];
            shell?: components["schemas"]["SshShellPermission"];
            tcp_forwarding?: components["schemas"]["SshTcpForwardingPermission"];
        };
        SshSftpPermission: Record<string, never>;
        SshShellPermission: Record<string, never>;
        SshTcpForwardingPermission: {
            /** @description Allowed destinations; absent allows any destination. */
            allowed_connections?: components["schemas"]["TcpForwardingConnection"][];
        };
        SshUpstream: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "private_key" | "border0_certificate";
            /** @description The upstream’s host key, trusted on first use (read-only; `DELETE …/ssh-host-key` clears it). */
            host_key: string | null;
            /** @example 127.0.0.1 */
            hostname: string;
            password_set: boolean;
            /** @default 22 */
            port?: number;
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
            username_provider?: "defined" | "prompt_client";
        };
        /** @description What a proxy needs to log in to an ssh socket’s upstream for one live session. Secret. */
        SshUpstreamCredentials: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "private_key" | "border0_certificate";
            /** @description For `border0_certificate`: a user certificate for `public_key`, valid for minutes. */
            certificate?: string;
            /** @description The upstream host key trusted so far (OpenSSH line), or null before the first connection. */
            host_key: string | null;
            hostname: string;
            /** @example ubuntu */
            login_name: string;
            /** @description For `username_and_password`. */
            password?: string;
            port: number;
            /** @description For `private_key` (OpenSSH or PEM). */
            private_key?: string;
        };
        SshUpstreamInput: {
            /** @enum {string} */
            authentication_type: "username_and_password" | "private_key" | "border0_certificate";
            /** @example 127.0.0.1 */
            hostname: string;
            password?: string;
            /** @default 22 */
            port?: number;
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
            username_provider?: "defined" | "prompt_client";
        };
        SshUpstreamRequest: {
            /**
             * @description The login name the client asked for; used when the socket lets the client pick it.
             * @example ubuntu
             */
            login_name?: string;
            /**
             * @description For `border0_certificate` sockets: the proxy’s one-off key, which the answer certifies.
             * @example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI…
             */
            public_key?: string;
        };
        /**
         * @example {
         *       "env": "prod"
         *     }
         */
        Tags: {
            [key: string]: string;
        };
        TcpForwardingConnection: {
            /** @example 10.0.0.5 */
            destination_address: string;
            /** @example 5432 */
            destination_port: string;
        };
        TlsAccessAction: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "tls";
        };
        TlsPermissions: Record<string, never>;
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
        Token: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at: string | null;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            kind: components["schemas"]["TokenKind"];
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            last_used_at: string | null;
            /** @example ci deploy */
            name: string;
            role: components["schemas"]["Role"];
        };
        TokenCreate: {
            /**
             * Format: date-time
             * @description When the token stops working: in the future, at most one year ahead. Default: 90 days.
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at?: string;
            /** @example ci deploy */
            name: string;
        };
        TokenCreated: components["schemas"]["Token"] & {
            /**
             * @description The secret, for `Authorization: Bearer`. Shown once: only its digest is stored.
             * @example b0s_…
             */
            token: string;
        };
        /** @enum {string} */
        TokenKind: "admin" | "service_account" | "connector";
        TokenPage: {
            items: components["schemas"]["Token"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        TokenRevocationRequest: {
            /** @description The login’s refresh token or current access token. */
            token: string;
        };
        TotpCode: {
            /** @example 123456 */
            code: string;
        };
        TotpEnrolment: {
            /**
             * @description For an authenticator app (as a QR code or pasted); shown once.
             * @example otpauth://totp/Border0:alice%40acme.dev?issuer=Border0&secret=JBSWY3DPEHPK3PXP
             */
            otpauth_url: string;
            /** @description The same secret in base32; shown once. */
            secret: string;
        };
        TotpEnrolmentRequest: {
            /** @description The account’s current password. */
            password: string;
        };
        TotpRemoval: {
            /** @description The account’s current password. */
            password: string;
        };
        /** @description Secrets are never returned; `*_set` says whether one is stored. */
        UpstreamConfiguration: components["schemas"]["HttpUpstream"] | components["schemas"]["SshUpstream"] | components["schemas"]["DatabaseUpstream"] | components["schemas"]["TlsUpstream"];
        UpstreamConfigurationInput: components["schemas"]["HttpUpstreamInput"] | components["schemas"]["SshUpstreamInput"] | components["schemas"]["DatabaseUpstreamInput"] | components["schemas"]["TlsUpstreamInput"];
        /** @description An OIDC issuer the service account trusts: a token it signed whose `aud` names `audience`, whose `sub` matches `subject` and whose other claims match `claims` is exchanged for a token of the account. */
        WebIdentity: {
            audience: string;
            claims: {
                [key: string]: string;
            };
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            created_at: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            id: string;
            issuer: string;
            /** @example web */
            name: string;
            subject: string;
        };
        WebIdentityCreate: {
            /**
             * @description What the token’s `aud` must name (exactly).
             * @example https://border0.example.com
             */
            audience: string;
            /**
             * @description Further claims the token must carry, each a string matching its pattern.
             * @example {
             *       "repository": "acme/app"
             *     }
             */
            claims?: {
                [key: string]: string;
            };
            /**
             * @description The issuer (`iss`) exactly, an https URL; its keys are found through OIDC discovery.
             * @example https://token.actions.githubusercontent.com
             */
            issuer: string;
            /** @example web */
            name: string;
            /**
             * @description What the token’s `sub` must be; `*` stands for any run of characters.
             * @example repo:acme/app:ref:refs/heads/main
             */
            subject: string;
        };
        WebIdentityExchange: {
            /**
             * @description The organization of the service account (its name).
             * @example web
             */
            organization: string;
            /**
             * @description The service account’s id or name.
             * @example deploy-bot
             */
            service_account: string;
            /**
             * @description The OIDC token (a signed JWT) of a trusted issuer.
             * @example eyJhbGciOi…
             */
            token: string;
        };
        WebIdentityPage: {
            items: components["schemas"]["WebIdentity"][];
            /** @description Pass as `cursor` for the next page; null at the end. */
            next_cursor: string | null;
        };
        WebIdentityToken: {
            /** @description A service account token, for `Authorization: Bearer`. */
            access_token: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at: string;
            /**
             * @description Seconds the token lives.
             * @example 900
             */
            expires_in: number;
            organization: string;
            role: components["schemas"]["Role"];
            service_account: string;
            /** @enum {string} */
            token_type: "Bearer";
        };
        WebSession: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at: string;
            /** @description Bound to this host; ends with the browser login. */
            web_session_token: string;
        };
        WebSessionRequest: {
            /** @description The `code` of `/.border0/callback` (one-time, 60 s). */
            code: string;
            /** @example web-acme.border0.example */
            host: string;
        };
        WebTerminalHolder: {
            /** @description The browser’s address when the ticket was issued: decide with it. */
            client_ip: string | null;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            organization_id: string;
            /** @description Set for a service account: its name. */
            service_account?: string;
            /**
             * Format: uuid
             * @example 0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e
             */
            socket_id: string;
            /** @description Take each ticket once: remember this until `expires_at`. */
            ticket_id: string;
            /** @description Set for a person. */
            user_email?: string;
        };
        WebTerminalRedeem: {
            /** @example shell-acme.localhost */
            host: string;
            /**
             * @description The redeeming proxy’s registered name.
             * @example web
             */
            proxy: string;
            ticket: string;
        };
        WebTerminalTicket: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.000Z
             */
            expires_at: string;
            /**
             * @description The proxy the ticket is for.
             * @example web
             */
            proxy: string;
            /** @description Send it as the first message; good once, for 60 s. */
            ticket: string;
            /**
             * @description The WebSocket to open: on the socket’s host, at the proxy’s address.
             * @example wss://shell-acme.localhost:8443/.border0/terminal
             */
            url: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    checkAccess: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "socket": "grafana",
                 *       "identity": {
                 *         "service_account": "deploy-bot"
                 *       },
                 *       "action": {
                 *         "type": "http"
                 *       },
                 *       "ip": "203.0.113.7"
                 *     }
                 */
                "application/json": components["schemas"]["AccessCheck"];
            };
        };
        responses: {
            /** @description The decision, allowed or not, with its explanation. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessDecision"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listAuditEntries: {
        parameters: {
            query?: {
                /** @description Exact action, e.g. `socket.create`. */
                action?: string;
                /** @description Exact actor, e.g. `user:alice@acme.dev`. */
                actor?: string;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Entries at or after this time. */
                from?: string;
                /** @description Items per page. */
                limit?: number;
                resource_id?: string;
                resource_type?: string;
                /** @description Entries at or before this time. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of audit entries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEntryPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    startDeviceLogin: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "organization": "acme"
                 *     }
                 */
                "application/json": components["schemas"]["DeviceAuthorizationRequest"];
            };
        };
        responses: {
            /** @description Started. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceAuthorization"];
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
            /** @description Too many requests from this address; `Retry-After` says when to try again. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeLogin: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "token": "b0r_8f3k2j5h7g9d1s4a6q0w2e4r6t8y"
                 *     }
                 */
                "application/json": components["schemas"]["TokenRevocationRequest"];
            };
        };
        responses: {
            /** @description The login (if any) ended. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
            /** @description Too many requests from this address; `Retry-After` says when to try again. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    requestDeviceToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                 *       "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
                 *     }
                 */
                "application/json": components["schemas"]["DeviceTokenRequest"];
            };
        };
        responses: {
            /** @description Approved: the token. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceToken"];
                };
            };
            /** @description Not (yet) approved (RFC 8628 error), or an invalid request (problem). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": "authorization_pending",
                     *       "error_description": "waiting for the person to approve"
                     *     }
                     */
                    "application/json": components["schemas"]["DeviceTokenError"];
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
            /** @description Too many requests from this address; `Retry-After` says when to try again. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exchangeWebIdentityToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "organization": "acme",
                 *       "service_account": "deploy-bot",
                 *       "token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIn0.c2ln"
                 *     }
                 */
                "application/json": components["schemas"]["WebIdentityExchange"];
            };
        };
        responses: {
            /** @description The service account token. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebIdentityToken"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
            /** @description Too many requests from this address; `Retry-After` says when to try again. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCertificateAuthorities: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The CA certificate and key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CertificateAuthorities"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    issueClientCertificate: {
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
                /**
                 * @example {
                 *       "csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIBDzCBtgIBADAUMRIwEAYDVQQDDAlhbGljZUBhY21lMFkw…\n-----END CERTIFICATE REQUEST-----\n",
                 *       "ttl_seconds": 3600
                 *     }
                 */
                "application/json": components["schemas"]["ClientCertificateRequest"];
            };
        };
        responses: {
            /** @description The certificate and its CA. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientCertificate"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listClientProxies: {
        parameters: {
            query?: {
                /** @description Proxies of this region first (the client’s own, when it knows it). */
                region?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The proxies. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientProxyList"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    issueSshCertificate: {
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
                /**
                 * @example {
                 *       "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop",
                 *       "ttl_seconds": 3600
                 *     }
                 */
                "application/json": components["schemas"]["SshCertificateRequest"];
            };
        };
        responses: {
            /** @description The certificate and the CA key. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SshCertificate"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getConnectorConfig: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The configuration. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectorConfig"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    streamConnectorEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    reportConnectorHeartbeat: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "version": "0.1.0",
                 *       "proxies_connected": [
                 *         "eu-1"
                 *       ],
                 *       "discovery": [
                 *         {
                 *           "plugin": "docker",
                 *           "last_run_at": "2026-11-26T08:00:00.000Z",
                 *           "error": null,
                 *           "resources": 3
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["ConnectorHeartbeat"];
            };
        };
        responses: {
            /** @description The connector. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listConnectorSockets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sockets, by name. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Socket"][];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    putConnectorSocket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Socket name. */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "socket_type": "ssh",
                 *       "upstream_configuration": {
                 *         "type": "ssh",
                 *         "hostname": "10.0.1.30",
                 *         "port": 22,
                 *         "authentication_type": "border0_certificate",
                 *         "username": "ubuntu"
                 *       },
                 *       "tags": {
                 *         "discovered_by": "docker"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ConnectorSocketPut"];
            };
        };
        responses: {
            /** @description The socket, updated or unchanged. */
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
            /** @description The socket, created. */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    deleteConnectorSocket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Socket name. */
                name: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
        };
    };
    listConnectors: {
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
            /** @description A page of connectors. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectorPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createConnector: {
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
                /**
                 * @example {
                 *       "name": "office-lan"
                 *     }
                 */
                "application/json": components["schemas"]["ConnectorCreate"];
            };
        };
        responses: {
            /** @description The new connector. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getConnector: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Connector id or name. */
                connector: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The connector. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    deleteConnector: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Connector id or name. */
                connector: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    updateConnector: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Connector id or name. */
                connector: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "office-lan-2"
                 *     }
                 */
                "application/json": components["schemas"]["ConnectorUpdate"];
            };
        };
        responses: {
            /** @description The updated connector. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connector"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listConnectorTokens: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Connector id or name. */
                connector: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tokens, without secrets. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createConnectorToken: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Connector id or name. */
                connector: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "ci deploy",
                 *       "expires_at": "2027-01-01T00:00:00.000Z"
                 *     }
                 */
                "application/json": components["schemas"]["TokenCreate"];
            };
        };
        responses: {
            /** @description The new token with its secret, shown once. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenCreated"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    deleteConnectorToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Connector id or name. */
                connector: string;
                /** @description Token id. */
                token_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    listGroups: {
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
            /** @description A page of groups. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GroupPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createGroup: {
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
                /**
                 * @example {
                 *       "name": "engineers"
                 *     }
                 */
                "application/json": components["schemas"]["GroupCreate"];
            };
        };
        responses: {
            /** @description The new group. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Group"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getGroup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Group id or name. */
                group: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The group. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Group"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    deleteGroup: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Group id or name. */
                group: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    updateGroup: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Group id or name. */
                group: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "platform-engineers"
                 *     }
                 */
                "application/json": components["schemas"]["GroupUpdate"];
            };
        };
        responses: {
            /** @description The updated group. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Group"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    addGroupMember: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Group id or name. */
                group: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "bob@acme.dev"
                 *     }
                 */
                "application/json": components["schemas"]["GroupMemberAdd"];
            };
        };
        responses: {
            /** @description The group with its new member. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Group"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    removeGroupMember: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Group id or name. */
                group: string;
                /** @description User id or email. */
                member: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    listIdentityProviders: {
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
            /** @description A page of identity providers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityProviderPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createIdentityProvider: {
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
                /**
                 * @example {
                 *       "name": "google",
                 *       "display_name": "Google Workspace",
                 *       "issuer": "https://accounts.google.com",
                 *       "client_id": "1234567890-abc123.apps.googleusercontent.com",
                 *       "client_secret": "GOCSPX-3xAmPlE5eCrEt",
                 *       "scopes": [
                 *         "openid",
                 *         "email",
                 *         "profile"
                 *       ],
                 *       "groups_claim": "groups"
                 *     }
                 */
                "application/json": components["schemas"]["IdentityProviderCreate"];
            };
        };
        responses: {
            /** @description The new identity provider. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityProvider"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getIdentityProvider: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Identity provider id or name. */
                identity_provider: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The identity provider. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityProvider"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    deleteIdentityProvider: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Identity provider id or name. */
                identity_provider: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    updateIdentityProvider: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Identity provider id or name. */
                identity_provider: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "display_name": "Google",
                 *       "enabled": false
                 *     }
                 */
                "application/json": components["schemas"]["IdentityProviderUpdate"];
            };
        };
        responses: {
            /** @description The updated identity provider. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityProvider"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listInvitations: {
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
            /** @description A page of invitations, newest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createInvitation: {
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
                /**
                 * @example {
                 *       "email": "carol@acme.dev",
                 *       "role": "member"
                 *     }
                 */
                "application/json": components["schemas"]["InvitationCreate"];
            };
        };
        responses: {
            /** @description The invitation, with its code (shown once). */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationCreated"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    revokeInvitation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Invitation id. */
                invitation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
        };
    };
    acceptInvitation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "code": "inv_6q1Yt3kP9zX2cV7bN4mL"
                 *     }
                 */
                "application/json": components["schemas"]["InvitationAccept"];
            };
        };
        responses: {
            /** @description The organization joined. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvitationAccepted"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    logoutEverywhere: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Logged out. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoggedOut"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    changeMyPassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "current_password": "correct horse battery staple",
                 *       "password": "a longer and newer passphrase"
                 *     }
                 */
                "application/json": components["schemas"]["PasswordChange"];
            };
        };
        responses: {
            /** @description Changed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listMySockets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sockets, by name. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MySocketList"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    openWebTerminal: {
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
            /** @description The ticket and where to use it. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebTerminalTicket"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
        };
    };
    startTotpEnrolment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "password": "correct horse battery staple"
                 *     }
                 */
                "application/json": components["schemas"]["TotpEnrolmentRequest"];
            };
        };
        responses: {
            /** @description Started. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TotpEnrolment"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    removeTotp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "password": "correct horse battery staple"
                 *     }
                 */
                "application/json": components["schemas"]["TotpRemoval"];
            };
        };
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    confirmTotpEnrolment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "code": "492039"
                 *     }
                 */
                "application/json": components["schemas"]["TotpCode"];
            };
        };
        responses: {
            /** @description Confirmed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listMembers: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
                role?: components["schemas"]["Role"];
                /** @description Substring of the email. */
                search?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of members. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    addMember: {
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
                /**
                 * @example {
                 *       "email": "bob@acme.dev",
                 *       "role": "member"
                 *     }
                 */
                "application/json": components["schemas"]["MemberCreate"];
            };
        };
        responses: {
            /** @description The new member. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id or email. */
                member: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The member. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    removeMember: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description User id or email. */
                member: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
        };
    };
    updateMember: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description User id or email. */
                member: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "role": "admin"
                 *     }
                 */
                "application/json": components["schemas"]["MemberUpdate"];
            };
        };
        responses: {
            /** @description The updated member. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    setMemberPassword: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description User id or email. */
                member: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "password": "correct horse battery staple"
                 *     }
                 */
                "application/json": components["schemas"]["PasswordSet"];
            };
        };
        responses: {
            /** @description Set. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
                /**
                 * @example {
                 *       "name": "acme",
                 *       "display_name": "Acme Inc."
                 *     }
                 */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
                /**
                 * @example {
                 *       "display_name": "Acme Corp."
                 *     }
                 */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getOrganizationJwks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Organization id or name. */
                organization: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The public keys. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Jwks"];
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
    listPolicies: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
                /** @description Exact name. */
                name?: string;
                /** @description Substring of name or description. */
                search?: string;
                /** @description Policies that apply to this socket (id or name): org-wide, attached, or by tag. */
                socket?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of policies. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PolicyPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createPolicy: {
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
                /**
                 * @example {
                 *       "name": "engineers-ssh",
                 *       "document": {
                 *         "permissions": {
                 *           "ssh": {
                 *             "shell": {},
                 *             "sftp": {},
                 *             "allowed_usernames": [
                 *               "ubuntu"
                 *             ],
                 *             "max_session_duration_seconds": 3600
                 *           },
                 *           "database": {
                 *             "allowed_databases": [
                 *               {
                 *                 "database": "app",
                 *                 "allowed_query_types": [
                 *                   "read_only"
                 *                 ]
                 *               }
                 *             ]
                 *           }
                 *         },
                 *         "condition": {
                 *           "who": {
                 *             "email": [
                 *               "alice@acme.dev"
                 *             ]
                 *           },
                 *           "where": {
                 *             "allowed_ip": [
                 *               "0.0.0.0/0",
                 *               "::/0"
                 *             ]
                 *           },
                 *           "when": {
                 *             "time_of_day_after": "08:00 Europe/Amsterdam",
                 *             "time_of_day_before": "18:00 Europe/Amsterdam"
                 *           }
                 *         }
                 *       },
                 *       "tag_rules": [
                 *         {
                 *           "env": "prod"
                 *         }
                 *       ],
                 *       "sockets": [
                 *         "grafana"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["PolicyCreate"];
            };
        };
        responses: {
            /** @description The new policy. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Policy"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getPolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Policy id or name. */
                policy: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The policy. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Policy"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    deletePolicy: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Policy id or name. */
                policy: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    updatePolicy: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Policy id or name. */
                policy: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "tag_rules": [
                 *         {
                 *           "env": "prod"
                 *         },
                 *         {
                 *           "team": "observability"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["PolicyUpdate"];
            };
        };
        responses: {
            /** @description The updated policy. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Policy"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    attachPolicySocket: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Policy id or name. */
                policy: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "socket": "grafana"
                 *     }
                 */
                "application/json": components["schemas"]["PolicyAttach"];
            };
        };
        responses: {
            /** @description The policy, with the socket attached. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Policy"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    detachPolicySocket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Policy id or name. */
                policy: string;
                /** @description Socket id or name. */
                socket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Detached. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    testPolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Policy id or name. */
                policy: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "socket": "grafana",
                 *       "identity": {
                 *         "email": "alice@acme.dev"
                 *       },
                 *       "action": {
                 *         "type": "http"
                 *       },
                 *       "ip": "203.0.113.7",
                 *       "time": "2026-11-26T09:30:00.000Z"
                 *     }
                 */
                "application/json": components["schemas"]["PolicyTest"];
            };
        };
        responses: {
            /** @description What this policy alone decides. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PolicyTestResult"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    issueProxyCertificate: {
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
                /**
                 * @example {
                 *       "csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIBDzCBtgIBADAUMRIwEAYDVQQDDAlwcm94eS1ldS0x…\n-----END CERTIFICATE REQUEST-----\n"
                 *     }
                 */
                "application/json": components["schemas"]["ProxyCertificateRequest"];
            };
        };
        responses: {
            /** @description The certificate. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProxyCertificate"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    authenticateConnector: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "token": "b0c_5tG8kL2mQ9xV3pR7yN1cZ4"
                 *     }
                 */
                "application/json": components["schemas"]["ConnectorAuthenticationRequest"];
            };
        };
        responses: {
            /** @description The connector. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectorAuthentication"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    streamProxyEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    identifyHttpRequest: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "host": "grafana-acme.border0.example",
                 *       "web_session_token": "b0ws_Zk3m9Q2xV7pL4tR8yN1c"
                 *     }
                 */
                "application/json": components["schemas"]["HttpIdentityRequest"];
            };
        };
        responses: {
            /** @description Who it is. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HttpIdentity"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getPolicyData: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                organization_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The policy data. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PolicyData"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    registerProxy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "eu-1",
                 *       "public_address": "proxy-1.example.net:8443",
                 *       "region": "eu-west",
                 *       "version": "0.1.0"
                 *     }
                 */
                "application/json": components["schemas"]["ProxyRegistration"];
            };
        };
        responses: {
            /** @description The registration. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProxyRegistered"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    createProxySession: {
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
                /**
                 * @example {
                 *       "socket_id": "0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e",
                 *       "user_email": "alice@acme.dev",
                 *       "client_ip": "203.0.113.7",
                 *       "client_port": 52814,
                 *       "country": "NL",
                 *       "result": "allowed"
                 *     }
                 */
                "application/json": components["schemas"]["ProxySessionCreate"];
            };
        };
        responses: {
            /** @description The new session. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    updateProxySession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "bytes_in": 18230,
                 *       "bytes_out": 402113,
                 *       "ended": true,
                 *       "result": "allowed"
                 *     }
                 */
                "application/json": components["schemas"]["SessionUpdate"];
            };
        };
        responses: {
            /** @description The session. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getDatabaseUpstreamCredentials: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The login. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatabaseUpstreamCredentials"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
        };
    };
    addProxySessionEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "type": "ssh.exec",
                 *       "time": "2026-11-26T08:01:12.000Z",
                 *       "data": {
                 *         "command": "uptime"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["SessionEventCreate"];
            };
        };
        responses: {
            /** @description The event. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionEvent"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    createProxyRecording: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "format": "asciicast-v2",
                 *       "started_at": "2026-11-26T08:00:00.000Z"
                 *     }
                 */
                "application/json": components["schemas"]["RecordingCreate"];
            };
        };
        responses: {
            /** @description The new recording. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recording"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    putProxyRecordingChunk: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                recording_id: string;
                /** @description The chunk’s number: 0 for the first, then 1, 2… in the order the proxy wrote them. */
                seq: number;
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /** @example [0.248, "o", "ubuntu@web:~$ "] */
                "application/octet-stream": Uint8Array | Blob;
            };
        };
        responses: {
            /** @description Stored. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not `application/octet-stream`. */
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
    endProxyRecording: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                recording_id: string;
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The ended recording. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recording"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    verifySshHostKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHX6ZxKp5bN2mCqL8vR3tY7wD1fG4hJ9kS0aE6uI2oPq"
                 *     }
                 */
                "application/json": components["schemas"]["SshHostKeyReport"];
            };
        };
        responses: {
            /** @description The key is trusted. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SshHostKeyVerdict"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getSshUpstreamCredentials: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "login_name": "ubuntu",
                 *       "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
                 *     }
                 */
                "application/json": components["schemas"]["SshUpstreamRequest"];
            };
        };
        responses: {
            /** @description The login. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SshUpstreamCredentials"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    renewProxySessions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "session_ids": [
                 *         "0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["ProxyLiveSessions"];
            };
        };
        responses: {
            /** @description The sessions to end. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProxySessionsToEnd"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getProxySocket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dnsname: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The socket and its organization. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProxySocketLookup"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    getProxyTrust: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The CA certificates. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProxyTrust"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createWebSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "code": "b0wc_Jd8sK2mX5qP9vL3tR7yN",
                 *       "host": "grafana-acme.border0.example"
                 *     }
                 */
                "application/json": components["schemas"]["WebSessionRequest"];
            };
        };
        responses: {
            /** @description The web session. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebSession"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    redeemWebTerminalTicket: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "host": "shell-acme.localhost",
                 *       "proxy": "proxy-eu-1",
                 *       "ticket": "eyJhbGciOiJFUzI1NiIsImtpZCI6IjAxOTNhIn0.eyJhdWQiOiJwcm94eS1ldS0xIn0.c2lnbmF0dXJl"
                 *     }
                 */
                "application/json": components["schemas"]["WebTerminalRedeem"];
            };
        };
        responses: {
            /** @description Who the ticket is for. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebTerminalHolder"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listServiceAccounts: {
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
            /** @description A page of service accounts. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceAccountPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createServiceAccount: {
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
                /**
                 * @example {
                 *       "name": "deploy-bot",
                 *       "role": "member"
                 *     }
                 */
                "application/json": components["schemas"]["ServiceAccountCreate"];
            };
        };
        responses: {
            /** @description The new service account. */
            201: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceAccount"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    getServiceAccount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service account id or name. */
                service_account: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service account. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceAccount"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    deleteServiceAccount: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Service account id or name. */
                service_account: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    updateServiceAccount: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version being updated. */
                "if-match"?: string;
            };
            path: {
                /** @description Service account id or name. */
                service_account: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "role": "read_only"
                 *     }
                 */
                "application/json": components["schemas"]["ServiceAccountUpdate"];
            };
        };
        responses: {
            /** @description The updated service account. */
            200: {
                headers: {
                    /** @description The version of the resource, for `If-Match`. */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceAccount"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listServiceAccountTokens: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Service account id or name. */
                service_account: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tokens, without secrets. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createServiceAccountToken: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Service account id or name. */
                service_account: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "ci deploy",
                 *       "expires_at": "2027-01-01T00:00:00.000Z"
                 *     }
                 */
                "application/json": components["schemas"]["TokenCreate"];
            };
        };
        responses: {
            /** @description The new token with its secret, shown once. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenCreated"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    deleteServiceAccountToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service account id or name. */
                service_account: string;
                /** @description Token id. */
                token_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    listServiceAccountWebIdentities: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Service account id or name. */
                service_account: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of web identities. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebIdentityPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createServiceAccountWebIdentity: {
        parameters: {
            query?: never;
            header?: {
                /** @description Repeat a create safely: the same key and body return the first result. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Service account id or name. */
                service_account: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "github-main",
                 *       "issuer": "https://token.actions.githubusercontent.com",
                 *       "audience": "https://border0.example.com",
                 *       "subject": "repo:acme/app:ref:refs/heads/main",
                 *       "claims": {
                 *         "repository": "acme/app"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["WebIdentityCreate"];
            };
        };
        responses: {
            /** @description The trusted web identity. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebIdentity"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    deleteServiceAccountWebIdentity: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Service account id or name. */
                service_account: string;
                /** @description Web identity id or name (within the service account). */
                web_identity: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    listSessions: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Sessions started at or after this time. */
                from?: string;
                /** @description Items per page. */
                limit?: number;
                /** @description `true`: only sessions still open; `false`: only ended ones. */
                live?: "true" | "false";
                result?: components["schemas"]["SessionResult"];
                /** @description Socket id or name (also of deleted sockets). */
                socket?: string;
                /** @description Sessions started at or before this time. */
                to?: string;
                /** @description User email (case-insensitive) or service account name. */
                user?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of sessions. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    listSessionEvents: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionEventPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    listSessionRecordings: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Items per page. */
                limit?: number;
            };
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of recordings, oldest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecordingPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    getSessionRecording: {
        parameters: {
            query?: {
                /** @description `true`: keep streaming while the recording is live. */
                follow?: "true" | "false";
            };
            header?: never;
            path: {
                recording_id: string;
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The recording’s bytes. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": Uint8Array | Blob;
                    "application/x-asciicast": string;
                    "application/x-ndjson": string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    terminateSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Termination requested. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
                /**
                 * @example {
                 *       "name": "grafana",
                 *       "display_name": "Grafana",
                 *       "socket_type": "http",
                 *       "tags": {
                 *         "env": "prod",
                 *         "team": "observability"
                 *       },
                 *       "upstream_configuration": {
                 *         "type": "http",
                 *         "scheme": "http",
                 *         "hostname": "10.0.1.20",
                 *         "port": 3000
                 *       }
                 *     }
                 */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
                /**
                 * @example {
                 *       "display_name": "Grafana (prod)",
                 *       "tags": {
                 *         "env": "prod"
                 *       },
                 *       "recording_enabled": true
                 *     }
                 */
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    listEffectivePolicies: {
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
            /** @description Every policy that applies, and why. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EffectivePolicyList"];
                };
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    clearSocketSshHostKey: {
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
        };
    };
    listTokens: {
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
            /** @description A page of tokens. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPage"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
    createToken: {
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
                /**
                 * @example {
                 *       "name": "terraform",
                 *       "role": "admin",
                 *       "expires_at": "2027-01-01T00:00:00.000Z"
                 *     }
                 */
                "application/json": components["schemas"]["AdminTokenCreate"];
            };
        };
        responses: {
            /** @description The new token with its secret, shown once. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenCreated"];
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
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
            /** @description The body is too large (over 1 MiB); the connection closes after this answer. */
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
    deleteToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Token id. */
                token_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid token. */
            401: {
                headers: {
                    /** @description A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the token sent is unknown, revoked or expired. */
                    "WWW-Authenticate"?: string;
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
}
