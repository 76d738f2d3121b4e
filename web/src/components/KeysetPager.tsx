// Previous / next for keyset-paged lists, with the page number and the total when known.
import { Button, Group, NativeSelect, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../format";

export function KeysetPager({
  pageNumber,
  totalSize,
  hasNext,
  hasPrevious,
  onNext,
  onPrevious,
  busy,
  pageSize,
  onPageSize,
  pageSizes = [25, 50, 100],
}: {
  pageNumber: number;
  totalSize: number | null;
  hasNext: boolean;
  hasPrevious: boolean;
  onNext: () => void;
  onPrevious: () => void;
  busy?: boolean;
  /** With `onPageSize`: offers the choice of rows per page. */
  pageSize?: number;
  onPageSize?: (size: number) => void;
  pageSizes?: readonly number[];
}) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" mt="sm" component="nav" aria-label={t("pager.label")}>
      <Text size="sm" c="dimmed" aria-live="polite">
        {totalSize === null
          ? t("pager.page", { page: formatNumber(pageNumber) })
          : t("pager.pageOfTotal", { page: formatNumber(pageNumber), total: formatNumber(totalSize) })}
      </Text>
      <Group gap="xs">
        {pageSize !== undefined && onPageSize !== undefined ? (
          <NativeSelect
            size="xs"
            aria-label={t("pager.rowsPerPage")}
            data={pageSizes.map((n) => ({ value: String(n), label: t("pager.rows", { count: n }) }))}
            value={String(pageSize)}
            onChange={(e) => {
              onPageSize(Number(e.currentTarget.value));
            }}
          />
        ) : null}
        <Button variant="default" size="xs" onClick={onPrevious} disabled={!hasPrevious || busy}>
          {t("action.previous")}
        </Button>
        <Button variant="default" size="xs" onClick={onNext} disabled={!hasNext || busy}>
          {t("action.next")}
        </Button>
      </Group>
    </Group>
  );
}

/** The pager's page, total, moves and busy state from `useKeysetPages`' result. */
export function pagerOf(pages: {
  pageNumber: number;
  totalSize: number | null;
  hasNext: boolean;
  hasPrevious: boolean;
  next: () => void;
  previous: () => void;
  isFetching: boolean;
}) {
  return {
    pageNumber: pages.pageNumber,
    totalSize: pages.totalSize,
    hasNext: pages.hasNext,
    hasPrevious: pages.hasPrevious,
    onNext: pages.next,
    onPrevious: pages.previous,
    busy: pages.isFetching,
  };
}
