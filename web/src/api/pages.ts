// Keyset paging over any List call: the page tokens already seen are kept so a person can
// go back, and the list starts again from the first page whenever its query changes.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";

export interface Page<T> {
  items: T[];
  nextPageToken: string;
  /** Set on the first page only (0 elsewhere), as the List calls do. */
  totalSize: number;
}

export function useKeysetPages<T>(key: readonly unknown[], fetchPage: (pageToken: string) => Promise<Page<T>>, enabled = true) {
  const [tokens, setTokens] = useState<{ key: string; stack: string[] }>({ key: "", stack: [""] });
  const keyText = JSON.stringify(key);
  // A changed query starts from the first page again.
  const stack = tokens.key === keyText ? tokens.stack : [""];
  const pageToken = stack[stack.length - 1] ?? "";
  const query = useQuery({
    queryKey: [...key, "page", pageToken],
    queryFn: () => fetchPage(pageToken),
    // Moving between pages of one list keeps its rows on screen until the next page arrives;
    // a changed query does not, or a list would show one filter's rows under another's name.
    placeholderData: (previous, previousQuery) => (isSameList(previousQuery?.queryKey, key) ? previous : undefined),
    enabled,
  });
  const [total, setTotal] = useState<{ key: string; value: number } | null>(null);
  if (query.data !== undefined && pageToken === "" && !query.isPlaceholderData && (total?.key !== keyText || total.value !== query.data.totalSize)) {
    setTotal({ key: keyText, value: query.data.totalSize });
  }
  return {
    ...query,
    pageNumber: stack.length,
    totalSize: total?.key === keyText ? total.value : null,
    hasNext: (query.data?.nextPageToken ?? "") !== "",
    hasPrevious: stack.length > 1,
    next: () => {
      const next = query.data?.nextPageToken;
      if (next) setTokens({ key: keyText, stack: [...stack, next] });
    },
    previous: () => {
      setTokens({ key: keyText, stack: stack.length > 1 ? stack.slice(0, -1) : [""] });
    },
    first: () => {
      setTokens({ key: keyText, stack: [""] });
    },
  };
}

/** Whether a page's query key (`[...key, "page", token]`) belongs to the list `key` names. */
export function isSameList(pageKey: readonly unknown[] | undefined, key: readonly unknown[]): boolean {
  return pageKey !== undefined && JSON.stringify(pageKey.slice(0, key.length)) === JSON.stringify(key);
}
