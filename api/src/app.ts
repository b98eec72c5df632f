import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { authenticate } from './auth/authenticate.ts';
import { isDatabaseUnavailable } from './db/errors.ts';
import type { Deps } from './deps.ts';
import { AppError } from './errors.ts';
import type { App, AppEnv } from './http/env.ts';
import { problemResponse, toAppError } from './http/problem.ts';
import { rateLimit } from './http/rate-limit-middleware.ts';
import { apiErrorOf } from './library-errors.ts';
import { registerPortal } from './portal/serve-portal.ts';
import { registerAccountRoutes } from './routes/accounts.ts';
import { registerAuditEntryRoutes } from './routes/audit-entries.ts';
import { registerAuditLogRoutes } from './routes/audit-log.ts';
import { registerCatalogueRoutes } from './routes/catalogue.ts';
import { registerDemandRoutes } from './routes/demands.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerIngestRoutes } from './routes/ingest.ts';
import { registerLicenceRoutes } from './routes/licences.ts';
import { registerMpcRoutes } from './routes/mpc.ts';
import { registerNotificationRoutes } from './routes/notifications.ts';
import { registerOpenDataRoutes } from './routes/open-data.ts';
import { registerOwnTokenRoutes } from './routes/own-tokens.ts';
import { registerQualityRoutes } from './routes/quality.ts';
import { registerSandboxRoutes } from './routes/sandbox.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerSharingRoutes } from './routes/sharing.ts';
import { registerSharingGrantRoutes } from './routes/sharing-grants.ts';
import { registerStatisticsRoutes } from './routes/statistics.ts';

/** The HTTP application: routes, auth, limits and error mapping, over the given dependencies. */
export function createApp(deps: Deps): App {
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const prefix = result.target === 'json' ? 'body' : result.target;
        return problemResponse(c, toAppError(result.error, prefix));
      }
    },
  });

  app.use('*', requestId({ headerName: '' }));
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'cross-origin' }));
  app.use('/v1/*', authenticate(deps));
  app.use('/v1/*', rateLimit(deps));
  // The pages the server renders cost the queries of a catalogue search: limited like the API.
  app.use('/', rateLimit(deps));
  app.use('/datasets/*', rateLimit(deps));

  registerHealthRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerSessionRoutes(app, deps);
  registerOwnTokenRoutes(app, deps);
  registerCatalogueRoutes(app, deps);
  registerIngestRoutes(app, deps);
  registerOpenDataRoutes(app, deps);
  registerQualityRoutes(app, deps);
  registerLicenceRoutes(app, deps);
  registerSandboxRoutes(app, deps);
  registerMpcRoutes(app, deps);
  registerSharingRoutes(app, deps);
  registerSharingGrantRoutes(app, deps);
  registerStatisticsRoutes(app, deps);
  registerDemandRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerAuditLogRoutes(app, deps);
  registerAuditEntryRoutes(app, deps);

  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Enclave API',
      version: '1.0.0',
      description: 'Public data catalogue, open data, licensed computation and audit.',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  registerPortal(app, deps);

  app.notFound((c) =>
    problemResponse(c, new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err, c) => {
    if (err instanceof AppError) {
      const retry = err.extra?.retryAfter;
      return problemResponse(c, err, typeof retry === 'number' ? { 'retry-after': String(retry) } : {});
    }
    if (err instanceof HTTPException && err.status < 500) return problemResponse(c, fromHttpException(err));
    if (isZodError(err)) return problemResponse(c, toAppError(err, 'request'));
    const known = apiErrorOf(err);
    if (known) return problemResponse(c, known);
    if (isDatabaseUnavailable(err)) {
      deps.logger.error('database unavailable', { requestId: c.get('requestId'), error: String(err) });
      // A restart or fail-over takes seconds: clients back off rather than hammer or give up.
      return problemResponse(
        c,
        new AppError('DATABASE_UNAVAILABLE', 'the database cannot be reached; try again later'),
        { 'retry-after': '5' },
      );
    }
    deps.logger.error('unhandled error', {
      requestId: c.get('requestId'),
      error: String(err),
      ...(err.cause !== undefined ? { cause: String(err.cause) } : {}),
      stack: err.stack,
    });
    return problemResponse(c, new AppError('INTERNAL', 'an internal error occurred; quote the request id'));
  });
  return app;
}

/** The router's and its validators' own refusals, as problems with a stable code. */
function fromHttpException(err: HTTPException): AppError {
  if (err.status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'the body is too large');
  if (err.status === 415)
    return new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'this route does not take a body of this content type; the OpenAPI document lists the ones it takes',
    );
  if (err.status === 400) return new AppError('MALFORMED_BODY', 'the body is not valid JSON');
  return new AppError('VALIDATION_FAILED', 'the request cannot be read');
}

function isZodError(err: unknown): err is import('zod').ZodError {
  return (
    err instanceof Error && err.name === 'ZodError' && Array.isArray((err as { issues?: unknown }).issues)
  );
}
