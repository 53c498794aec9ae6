/** The contract suite against ChinaMobileProvider (our signed client) and the ECloud emulator. */
import { cloudHarness } from './cloudHarness';
import { runContractSuite } from './contractSuite';

// The emulator answers 429 with Retry-After (the seed's throttling case); the adapter keeps it.
runContractSuite('chinamobile', cloudHarness('chinamobile', { throttleRetryAfterSeconds: 2 }), ['stock', 'throttle', 'auth']);
