// A line chart (chart.js, only the pieces a line needs) with its figures in a table beneath,
// as ChartBar does for bars: the canvas is an image named by the chart's title, the table
// gives the numbers to screen readers and keyboard users. It updates in place.
import { useEffect, useRef } from "react";
import { CategoryScale, Chart, Filler, LinearScale, LineController, LineElement, PointElement, type ChartData } from "chart.js";
import { Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../format";

Chart.register(LineController, LineElement, PointElement, CategoryScale, LinearScale, Filler);

export interface LineRow {
  /** The row's heading in the table (a day in words). */
  label: string;
  values: number[];
}

export function ChartLine({
  title,
  labels,
  values,
  color,
  height = 220,
  caption,
  rowHeading,
  columns,
  rows,
}: {
  /** Names the chart for screen readers. */
  title: string;
  /** The x axis: one label per point. */
  labels: string[];
  values: number[];
  /** A CSS colour. */
  color: string;
  height?: number;
  /** The table's caption. */
  caption: string;
  /** The table's first column heading. */
  rowHeading: string;
  /** The headings of the table's figures. */
  columns: string[];
  /** The table's rows; they may be fewer than the points (days with nothing left out). */
  rows: LineRow[];
}) {
  const { i18n } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"line"> | null>(null);
  const rtl = i18n.dir() === "rtl";

  useEffect(() => {
    const element = canvas.current;
    if (element === null) return;
    chart.current = new Chart(element, {
      type: "line",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: i18n.language,
        scales: {
          x: { reverse: rtl, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 }, position: rtl ? "right" : "left" },
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [rtl, i18n.language]);

  const key = JSON.stringify([labels, values, color]);
  useEffect(() => {
    const made = chart.current;
    if (made === null) return;
    const data: ChartData<"line"> = {
      labels,
      datasets: [
        {
          label: title,
          data: values,
          borderColor: color,
          backgroundColor: `${color}33`,
          fill: true,
          stepped: false,
          tension: 0,
          // Points only when there are few days, so a long series stays a clean line.
          pointRadius: values.length > 60 ? 0 : 3,
        },
      ],
    };
    made.data = data;
    made.update();
    // `key` stands for the figures' content.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, rtl, i18n.language]);

  return (
    <Stack gap={4}>
      <div style={{ position: "relative", blockSize: height, inlineSize: "100%" }}>
        <canvas ref={canvas} role="img" aria-label={title} />
      </div>
      {/* A named region that takes focus, so a table wider than its column scrolls by keyboard. */}
      <div role="region" aria-label={caption} tabIndex={0} className="mantine-focus-auto" style={{ overflowX: "auto" }}>
        <div style={{ minInlineSize: 240 }}>
          <Table fz="xs" verticalSpacing={2} horizontalSpacing="xs" withRowBorders={false} striped>
            <Table.Caption>
              <Text size="xs" c="gray.7" component="span">
                {caption}
              </Text>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{rowHeading}</Table.Th>
                {columns.map((c) => (
                  <Table.Th key={c} scope="col" ta="end">
                    {c}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.label}>
                  <Table.Th scope="row" fw="normal">
                    {row.label}
                  </Table.Th>
                  {row.values.map((v, i) => (
                    <Table.Td key={columns[i] ?? i} ta="end">
                      {formatNumber(v)}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </div>
    </Stack>
  );
}
