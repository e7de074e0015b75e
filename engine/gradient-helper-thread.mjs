// Entry of a gradient helper thread: module hooks are per thread, so tsx is registered here too.
import { register } from 'tsx/esm/api';

register();
await import('./gradient-helper-thread.ts');
