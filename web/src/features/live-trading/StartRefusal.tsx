import { ApiError, describeError } from '../../api/client';
import { useTestConnection } from '../../api/connections';

/**
 * Why a start was refused. A connection whose last test did not pass (problem type
 * connection-not-tested) gets a button that runs the test here, instead of the API path the
 * server's message names for scripts; the trader starts again once it passes.
 */
export function StartRefusal({ error }: { error: unknown }) {
  const test = useTestConnection();
  const problem = error instanceof ApiError ? error.problem : null;
  const connectionId = problem?.type?.endsWith('/connection-not-tested') === true ? problem.connectionId : undefined;
  if (connectionId === undefined) {
    return (
      <p className="notice notice--error" role="alert">
        Could not start: {describeError(error)}
      </p>
    );
  }
  const reason = (problem?.detail ?? '').replace(/ \(POST \/api\/settings\/connections\/[^)]*\/test\)$/, '');
  const result = test.data;
  return (
    <div className="notice notice--error" role="alert">
      <p>Could not start: {reason}.</p>
      <p>
        <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate(connectionId)}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>{' '}
        {result ? (
          <span role="status">
            {result.outcome === 'failed' ? `The test failed: ${result.summary}.` : `The test passed (${result.summary}): start the bot again.`}
          </span>
        ) : null}
        {test.isError ? <span role="status">The test could not run: {describeError(test.error)}</span> : null}
      </p>
    </div>
  );
}
