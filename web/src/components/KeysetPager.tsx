// Previous / next for keyset-paged lists, with the page number and the total when known.
import { Button, Group, Text } from "@mantine/core";
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
}: {
  pageNumber: number;
  totalSize: number | null;
  hasNext: boolean;
  hasPrevious: boolean;
  onNext: () => void;
  onPrevious: () => void;
  busy?: boolean;
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
