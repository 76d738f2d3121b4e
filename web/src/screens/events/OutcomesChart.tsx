// Registrations by status over some groups: a stacked bar chart (chart.js, as the dashboard's
// charts) and the same figures as a table with a total line, for screen readers, keyboards and
// anyone who wants the numbers. The table scrolls sideways on its own on a phone, and that
// scrolling region takes the keyboard focus so it can be scrolled without a mouse.
import { useEffect, useRef } from "react";
import { BarController, BarElement, CategoryScale, Chart, LinearScale } from "chart.js";
import { Grid, Table } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../format";
import { OutcomesTableScroll } from "./OutcomesParts";
import { seriesOf, statusColumns, sumCounts, type FigureRow, type StatusColumn } from "./outcomes-model";

Chart.register(BarController, BarElement, CategoryScale, LinearScale);

export function OutcomesChart({
  title,
  categoryHeading,
  rows,
  label,
  axisLabel = label,
  colors,
}: {
  /** Names the chart for screen readers and captions its table. */
  title: string;
  categoryHeading: string;
  rows: FigureRow[];
  /** A row's name from its key. */
  label: (key: string) => string;
  /** A shorter name for the chart's axis; the table always shows `label`. */
  axisLabel?: (key: string) => string;
  colors: Record<StatusColumn, string>;
}) {
  const { t, i18n } = useTranslation("outcomes");
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | null>(null);
  const rtl = i18n.dir() === "rtl";
  const categories = rows.map((r) => label(r.key));
  const axis = rows.map((r) => axisLabel(r.key));
  const series = seriesOf(rows).map((s) => ({ column: s.column, label: t(`status.${s.column}`), values: s.values }));

  useEffect(() => {
    const element = canvas.current;
    if (element === null) return;
    chart.current = new Chart(element, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: "y",
        locale: i18n.language,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, reverse: rtl },
          y: { stacked: true, position: rtl ? "right" : "left" },
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [rtl, i18n.language]);

  const key = JSON.stringify([axis, series]);
  useEffect(() => {
    const made = chart.current;
    if (made === null) return;
    made.data = {
      labels: axis,
      datasets: series.map((s) => ({ label: s.label, data: s.values, backgroundColor: colors[s.column], maxBarThickness: 28 })),
    };
    made.update();
    // `key` stands for the figures' content: equal figures from a refresh change nothing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, rtl, i18n.language]);

  const total = sumCounts(rows);
  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <div style={{ position: "relative", blockSize: Math.max(120, 48 + rows.length * 34), inlineSize: "100%" }}>
          <canvas ref={canvas} role="img" aria-label={title} />
        </div>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <OutcomesTableScroll label={title} minWidth={0}>
          <Table fz="xs" verticalSpacing={2} horizontalSpacing="xs" striped captionSide="top">
            <Table.Caption ta="start">{title}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{categoryHeading}</Table.Th>
                {statusColumns.map((c) => (
                  <Table.Th key={c} scope="col" ta="end">
                    <span aria-hidden="true" style={{ display: "inline-block", inlineSize: 8, blockSize: 8, background: colors[c], marginInlineEnd: 4 }} />
                    {t(`status.${c}`)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={r.key}>
                  <Table.Th scope="row" fw="normal">
                    {categories[i]}
                  </Table.Th>
                  {statusColumns.map((c) => (
                    <Table.Td key={c} ta="end">
                      {formatNumber(r.counts[c])}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th scope="row">{t("breakdown.total")}</Table.Th>
                {statusColumns.map((c) => (
                  <Table.Td key={c} ta="end" fw={600}>
                    {formatNumber(total[c])}
                  </Table.Td>
                ))}
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </OutcomesTableScroll>
      </Grid.Col>
    </Grid>
  );
}
