/** The contract suite against AliyunProvider (official SDK) and the ECS emulator. */
import { cloudHarness } from './cloudHarness';
import { runContractSuite } from './contractSuite';

// ECS sends the throttling retry-after (x-acs-retry-after); the adapter keeps it.
runContractSuite('aliyun', cloudHarness('aliyun', { throttleRetryAfterSeconds: 2 }), ['stock', 'throttle', 'auth']);
