import { qualifiedName, type ResourceType } from './resources.js';

/** A `Status` object as the API server returns in error bodies. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** An error the server turns into a `Status` response. */
export class ApiStatusError extends Error {
  constructor(readonly status: StatusBody) {
    super(status.message);
    this.name = 'ApiStatusError';
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody['details'],
): ApiStatusError {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) body.details = details;
  return new ApiStatusError(body);
}

function detailsOf(t: ResourceType, name: string): StatusBody['details'] {
  return { name, group: t.group, kind: t.plural };
}

export const statusErrors = {
  notFound: (t: ResourceType, name: string) =>
    failure(404, 'NotFound', `${qualifiedName(t)} "${name}" not found`, detailsOf(t, name)),
  alreadyExists: (t: ResourceType, name: string) =>
    failure(409, 'AlreadyExists', `${qualifiedName(t)} "${name}" already exists`, detailsOf(t, name)),
  conflict: (t: ResourceType, name: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      detailsOf(t, name),
    ),
  invalid: (t: ResourceType, name: string, causes: StatusCause[]) =>
    failure(
      422,
      'Invalid',
      `${t.group ? `${t.kind}.${t.group}` : t.kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      { ...detailsOf(t, name), kind: t.kind, causes },
    ),
  unprocessable: (message: string) => failure(422, 'Invalid', message),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  forbidden: (message: string, t?: ResourceType, name?: string) =>
    failure(403, 'Forbidden', message, t ? detailsOf(t, name ?? '') : undefined),
  methodNotAllowed: (message: string) => failure(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (type: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
    ),
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
  custom: (code: number, reason: string, message: string) => failure(code, reason, message),
};

export function successStatus(t: ResourceType, name: string, uid?: string): StatusBody {
  const details: StatusBody['details'] = { name, group: t.group, kind: t.plural };
  if (uid) details.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
