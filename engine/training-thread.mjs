// Entry of a training worker thread: module hooks are per thread, so tsx is registered here too.
import { register } from 'tsx/esm/api';

register();
await import('./training-thread.ts');
