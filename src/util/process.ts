// Whether a process of this host still exists: what lock files and study workers use to tell a
// dead owner from a live one. (A killed child stays a zombie, and so "exists", until it is reaped.)

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
