namespace Http2Features.Tests.Configuration;

/// <summary>
/// Tests that set process environment variables (GUNICORN_CMD_ARGS, raw_env) run alone: every app started meanwhile,
/// in any other test, would read them (the example app reads GUNICORN_CMD_ARGS, as gunicorn does).
/// </summary>
[CollectionDefinition(nameof(ProcessEnvironmentRunsAlone), DisableParallelization = true)]
public sealed class ProcessEnvironmentRunsAlone;
