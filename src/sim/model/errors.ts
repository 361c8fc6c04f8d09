/**
 * The error a model operation raises to be answered as an HTTP status with a plain-text body, as Mesos does.
 */
export class ApiError extends Error {
  readonly code = 'SIM_API_ERROR';

  /**
   * @param status the HTTP status to answer (400, 404, 409, 500, 503, ...)
   * @param message the plain-text body
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** True for an {@link ApiError} (checked by code, not by class identity). */
export function isApiError(err: unknown): err is ApiError {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SIM_API_ERROR';
}
