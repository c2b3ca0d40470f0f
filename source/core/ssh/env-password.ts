// SSH_PASS is read once, then removed from this process's environment: every child the tool
// starts (tar, ssh-keygen, nix, ssh) inherits process.env, and none of them may see it.
let password: string | undefined;
let taken = false;

export function takeEnvPassword(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!taken) {
    password = env.SSH_PASS;
    delete env.SSH_PASS;
    taken = true;
  }
  return password;
}
