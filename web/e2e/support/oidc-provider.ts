// A real OpenID provider for the sign-in tests (oidc-provider): the console's public client
// `engage-console` with PKCE, access tokens as RS256 JWTs for the audience `engage` carrying
// `roles` and `name`, and the package's own login and consent pages (any password).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";
import { freePort } from "./index";

export interface OidcProvider {
  /** The issuer (`iss`), which is also where the provider answers. */
  issuer: string;
  /** The person who signs in: their login at the provider and the `name` in their tokens. */
  account: { login: string; name: string };
  /** The resource indicator the console asks for (RFC 8707 wants an absolute URI). */
  resource: string;
  /** The environment that makes engage trust this provider and offer it on the console. */
  engageEnv(): Record<string, string>;
  /** Lets the console at `consoleUrl` sign in: its callback and sign-out return addresses. */
  allow(consoleUrl: string): void;
  stop(): Promise<void>;
}

export async function startOidcProvider(
  options: { roles?: string[]; account?: { login: string; name: string } } = {},
): Promise<OidcProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const account = options.account ?? { login: "olga.officer@example.org", name: "Olga Officer" };
  const roles = options.roles ?? ["csu_officer"];
  const resource = "urn:engage";
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };
  const cookieKeys = [randomBytes(32).toString("hex")];

  const configure = (consoleUrls: string[]) =>
    new Provider(issuer, {
      clients: [
        {
          client_id: "engage-console",
          token_endpoint_auth_method: "none",
          application_type: "web",
          redirect_uris: consoleUrls.length > 0 ? consoleUrls.map((u) => `${u}/signin/callback`) : ["http://127.0.0.1/signin/callback"],
          post_logout_redirect_uris: consoleUrls.length > 0 ? consoleUrls.map((u) => `${u}/`) : ["http://127.0.0.1/"],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
        },
      ],
      pkce: { required: () => true },
      jwks: { keys: [jwk] },
      cookies: { keys: cookieKeys },
      scopes: ["openid", "profile", "offline_access"],
      claims: { openid: ["sub"], profile: ["name"] },
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resource,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, indicator: string) => {
            if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
            return { scope: "", audience: "engage", accessTokenFormat: "jwt", accessTokenTTL: 3600, jwt: { sign: { alg: "RS256" } } };
          },
        },
      },
      extraTokenClaims: () => ({ roles, name: account.name }),
      findAccount: (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: () => ({ sub, name: account.name }),
      }),
    });

  let handle = configure([]).callback();
  const allowed: string[] = [];
  const server: Server = createServer((request, response) => {
    handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });

  return {
    issuer,
    account,
    resource,
    engageEnv: () => ({
      ENGAGE_JWKS_URL: `${issuer}/jwks`,
      ENGAGE_JWT_ISSUERS: issuer,
      ENGAGE_JWT_AUDIENCE: "engage",
      ENGAGE_OIDC_ISSUER: issuer,
      ENGAGE_OIDC_CLIENT_ID: "engage-console",
      ENGAGE_OIDC_RESOURCE: resource,
    }),
    allow(consoleUrl) {
      allowed.push(consoleUrl);
      // Same keys, so the JWKS engage already read stays right.
      handle = configure(allowed).callback();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
