// The bearer token lives in this module's memory only: never in storage, never in a cookie,
// so a page reload or a closed tab ends the session in this tab.
let token: string | null = null;

export function currentToken(): string | null {
  return token;
}

export function setToken(next: string | null): void {
  token = next;
}
