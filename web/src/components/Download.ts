// Saving content the console made (a report, an export) as a file on the person's computer.

/** Offers `blob` as a download named `filename`, as a link click would. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Let the browser start reading the content before the address is let go.
  window.setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

/** Today's date as YYYY-MM-DD, for file names. */
export function fileDate(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}
