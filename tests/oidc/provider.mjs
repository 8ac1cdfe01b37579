// A real OpenID provider (npm's oidc-provider) for the sign-in tests.
//
//   node provider.mjs --redirect-base http://127.0.0.1:PORT --staff-key-out PATH
//
// listens on a random loopback port and prints one JSON line on stdout when ready:
// {"issuer": ..., "port": ...}. Five clients: `jobunivers-citizens` (client_secret_basic),
// `jobunivers-citizens-post` (client_secret_post), `jobunivers-citizens-list`
// (client_secret_basic, for the providers that find a citizen's municipality by CPR
// number in the enrolment lists), `jobunivers-staff` (private_key_jwt; its private key
// is written to PATH in PEM) and `jobunivers-app`, a public client (an app on the
// citizen's phone, PKCE and no secret) that gets JWT access tokens (RFC 9068) for the
// host's API (audience `{redirect-base}/api`, or `{redirect-base}/api/staff` for
// staff), carrying the account's municipality and groups.
// Sign-in is oidc-provider's development login form: any login, any password; the
// accounts below carry the claims the tests need.
//
// Test controls on the same server (a test drives the provider like an operator would
// rotate keys or a clock would drift):
//   GET /test-control/jwks?hide=1   the JWKS stops showing the key tokens are signed with
//   GET /test-control/jwks?hide=0   ... and shows it again (a rotated-in key)
//   GET /test-control/clock?offset=SECONDS   the provider's clock runs off by SECONDS

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1 || i + 1 >= process.argv.length) {
    if (fallback === undefined) {
      console.error(`missing --${name}`);
      process.exit(2);
    }
    return fallback;
  }
  return process.argv[i + 1];
}

const redirectBase = arg('redirect-base').replace(/\/$/, '');
const staffKeyOut = arg('staff-key-out');
const citizenSecret = arg('citizen-secret', 'citizens-secret-for-the-tests-only');
// The API's audiences: citizens' apps and staff tools (the host maps each to its own
// provider entry).
const apiAudiences = [`${redirectBase}/api`, `${redirectBase}/api/staff`];

// The clock: oidc-provider reads Date.now for every iat and exp it writes.
let clockOffsetMs = 0;
const realNow = Date.now;
Date.now = () => realNow() + clockOffsetMs;

function rsaJwk(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

// The first key signs; the second is only published.
const signingKey = rsaJwk(`sig-${randomBytes(4).toString('hex')}`);
const otherKey = rsaJwk(`old-${randomBytes(4).toString('hex')}`);
let hideSigningKey = false;

// The staff client's own key pair: the host signs its client assertions with it.
const staff = generateKeyPairSync('rsa', { modulusLength: 2048 });
writeFileSync(staffKeyOut, staff.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
const staffPublic = { ...staff.publicKey.export({ format: 'jwk' }), kid: 'jobunivers-staff-1', alg: 'RS256', use: 'sig' };

// Test accounts: login name → claims.
const accounts = {
  anna: { municipality: '0751', name: 'Anna Borger' },
  bent: { municipality: '0101' },
  ukendt: { municipality: '9999' },
  uden: {},
  karen: { groups: ['aarhus-caseworkers', 'everyone'], name: 'Karen Sagsbehandler', email: 'karen@aarhus.example' },
  lars: { groups: ['aarhus-admins'] },
  nina: { groups: ['everyone'] },
  vera: { groups: ['acme-developers'], name: 'Vera Udvikler' },
  // A CPR number and no municipality, as a MitID broker may answer.
  olga: { 'dk.cpr': '2304851234' },
  // Both: the municipality claim decides.
  mads: { municipality: '0751', 'dk.cpr': '1102031234' },
};

const configuration = {
  clients: [
    {
      client_id: 'jobunivers-citizens',
      client_secret: citizenSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [`${redirectBase}/signin/citizens/callback`],
      post_logout_redirect_uris: [`${redirectBase}/login`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'jobunivers-citizens-post',
      client_secret: citizenSecret,
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: [`${redirectBase}/signin/citizens-post/callback`],
      post_logout_redirect_uris: [`${redirectBase}/login`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'jobunivers-citizens-list',
      client_secret: citizenSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [`${redirectBase}/signin/citizens-list/callback`, `${redirectBase}/signin/citizens-both/callback`],
      post_logout_redirect_uris: [`${redirectBase}/login`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'jobunivers-staff',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [staffPublic] },
      redirect_uris: [`${redirectBase}/signin/staff/callback`],
      post_logout_redirect_uris: [`${redirectBase}/login`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'jobunivers-app',
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${redirectBase}/app/callback`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  jwks: { keys: [signingKey, otherKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], municipality: ['municipality'], cpr: ['dk.cpr'], groups: ['groups'], profile: ['name'], email: ['email'] },
  // Claims asked for by scope go into the ID token, as the MitID brokers do.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // The API is a resource server: access tokens for it are JWTs it checks itself.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resource) {
        if (!apiAudiences.includes(resource)) throw new errors.InvalidTarget();
        return {
          scope: 'api',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // The API needs to know who the account is: the same claims as the ID token's.
  async extraTokenClaims(ctx, token) {
    if (token.kind !== 'AccessToken') return undefined;
    const { municipality, groups } = accounts[token.accountId] ?? {};
    return { municipality, groups };
  },
  pkce: { required: () => true },
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  async findAccount(ctx, id) {
    const claims = accounts[id] ?? {};
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // First-party clients: no consent screen, every requested scope is granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    for (const resource of Object.keys(ctx.oidc.resourceServers ?? {})) {
      grant.addResourceScope(resource, 'api');
    }
    await grant.save();
    return grant;
  },
};

const server = (await import('node:http')).createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    if (ctx.path === '/test-control/jwks') {
      hideSigningKey = ctx.query.hide === '1';
      ctx.body = { hidden: hideSigningKey };
      return;
    }
    if (ctx.path === '/test-control/clock') {
      clockOffsetMs = Number(ctx.query.offset ?? 0) * 1000;
      ctx.body = { offset: clockOffsetMs / 1000 };
      return;
    }
    await next();
    if (ctx.path === '/jwks' && hideSigningKey && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: ctx.body.keys.filter((k) => k.kid !== signingKey.kid) };
    }
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, port, signing_kid: signingKey.kid })}\n`);
});

// The test harness closes stdin when it is done: stop then, whatever happens.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
