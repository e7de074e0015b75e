/** Following a running search from the terminal, and what Ctrl-C does to it. */
import { RequestError } from '../contracts/request-error.ts';

/** The user interrupted a command: one line, exit code 130. */
export class Interrupted extends RequestError {
  /** 128 + SIGINT, as shells report a command ended by Ctrl-C. */
  override readonly exitCode = 130;

  constructor(message: string) {
    super('Ctrl-C', message);
    this.name = 'Interrupted';
  }
}

const SECOND_CTRL_C_MS = 3_000;

export interface FollowOptions {
  searchId: string;
  /** This process runs the stack: when it leaves, the search waits for the next stack. */
  ownsStack: boolean;
  home: string;
  stop(): Promise<void>;
}

/**
 * Awaits `done`. A first Ctrl-C says that a second one within 3 s stops the search; without it
 * the command detaches (exit 130) and the search goes on in the background, or, when this process
 * ran the stack, waits for `nas search resume`. A second Ctrl-C stops the search gracefully
 * (running trials are cancelled and recorded) and then ends with exit 130.
 */
export function followUntilInterrupted<T>(done: Promise<T>, options: FollowOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let firstAt = 0;
    let stopping = false;
    let detachTimer: NodeJS.Timeout | undefined;
    const cleanup = () => {
      clearTimeout(detachTimer);
      process.removeListener('SIGINT', onInterrupt);
    };
    const onInterrupt = () => {
      if (firstAt === 0) {
        firstAt = Date.now();
        process.stderr.write(
          `\nnas: Ctrl-C again within ${SECOND_CTRL_C_MS / 1000} s stops search ${options.searchId}; otherwise this command detaches\n`,
        );
        detachTimer = setTimeout(() => {
          const where = options.ownsStack
            ? `waits for the stack of ${options.home}: \`nas search resume ${options.searchId}\` finishes it`
            : `goes on in the background (\`nas search status ${options.searchId}\`)`;
          process.stderr.write(`nas: detached; search ${options.searchId} ${where}\n`);
          // The lock, the dev server and the trainings end with this process; nothing is lost.
          process.exit(130);
        }, SECOND_CTRL_C_MS);
        return;
      }
      cleanup();
      stopping = true;
      process.stderr.write(`nas: stopping search ${options.searchId}; its running trials are cancelled and recorded\n`);
      options
        .stop()
        .then(() => done)
        .then(
          () => reject(new Interrupted(`search ${options.searchId} stopped`)),
          (error: unknown) => reject(error),
        );
    };
    process.on('SIGINT', onInterrupt);
    done.then(
      (value) => {
        cleanup();
        if (!stopping) resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
