/**
 * Imported first by benchmarks that load providers: BaseProvider logs every call at info, and
 * thousands of JSON lines on stderr would make the benchmark one of the logger. ES imports run
 * in order, so this is set before any provider module loads.
 */
process.env.LOG_LEVEL = 'warn';
