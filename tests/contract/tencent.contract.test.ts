/** The contract suite against TencentProvider (official SDK) and the CVM emulator. */
import { cloudHarness } from './cloudHarness';
import { runContractSuite } from './contractSuite';

// Tencent's RequestLimitExceeded carries no retry-after: none is expected back.
runContractSuite('tencent', cloudHarness('tencent', {}), ['stock', 'throttle', 'auth']);
