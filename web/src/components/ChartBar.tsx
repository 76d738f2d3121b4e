// A bar chart (chart.js, only the pieces a bar chart needs) with the same figures as a
// table beneath it, so that screen readers and keyboard users get the numbers; the canvas is
// an image labelled with the chart's title. It updates in place when the figures change.
import { useEffect, useRef } from "react";
import { BarController, BarElement, CategoryScale, Chart, LinearScale, type ChartData } from "chart.js";
import { Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../format";

// No legend or tooltip plugins: the table beside the chart names the series (with their
// colours) and gives every figure, which keeps the chunk small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale);

export interface ChartSeries {
  label: string;
  values: number[];
  /** A CSS colour. */
  color: string;
}

const palette = ["#1c7ed6", "#f08c00", "#2f9e44", "#c2255c", "#7048e8", "#0c8599"];

export function chartColor(index: number): string {
  return palette[index % palette.length] ?? "#1c7ed6";
}

export function ChartBar({
  title,
  categories,
  series,
  categoryHeading,
  height = 220,
  horizontal = false,
  stacked = false,
  caption,
  axisLabels,
}: {
  /** Names the chart for screen readers and captions its table. */
  title: string;
  categories: string[];
  series: ChartSeries[];
  /** The table's first column heading. */
  categoryHeading: string;
  height?: number;
  horizontal?: boolean;
  stacked?: boolean;
  /** The table's caption; the title by default. */
  caption?: string;
  /** Shorter names for the chart's axis; the table always shows `categories`. */
  axisLabels?: string[];
}) {
  const { i18n } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | null>(null);
  const rtl = i18n.dir() === "rtl";

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
        indexAxis: horizontal ? "y" : "x",
        locale: i18n.language,
        scales: {
          x: { stacked, ticks: { precision: 0 }, reverse: rtl && !horizontal },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 }, position: rtl && horizontal ? "right" : "left" },
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [horizontal, stacked, rtl, i18n.language]);

  const key = JSON.stringify([categories, axisLabels, series]);
  useEffect(() => {
    const made = chart.current;
    if (made === null) return;
    const data: ChartData<"bar"> = {
      labels: axisLabels ?? categories,
      datasets: series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color, maxBarThickness: 48 })),
    };
    made.data = data;
    made.update();
    // `key` stands for the figures' content, so equal figures from a new snapshot do nothing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, horizontal, stacked, rtl, i18n.language]);

  return (
    <Stack gap={4}>
      <div style={{ position: "relative", blockSize: height, inlineSize: "100%" }}>
        <canvas ref={canvas} role="img" aria-label={title} />
      </div>
      {/* A named region that takes focus, so a table wider than its column scrolls by keyboard. */}
      <div role="region" aria-label={caption ?? title} tabIndex={0} className="mantine-focus-auto" style={{ overflowX: "auto" }}>
        <div style={{ minInlineSize: 240 }}>
          <Table fz="xs" verticalSpacing={2} horizontalSpacing="xs" withRowBorders={false} striped>
            <Table.Caption>
              <Text size="xs" c="gray.7" component="span">
                {caption ?? title}
              </Text>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{categoryHeading}</Table.Th>
                {series.map((s) => (
                  <Table.Th key={s.label} scope="col" ta="end">
                    <span aria-hidden="true" style={{ display: "inline-block", inlineSize: 8, blockSize: 8, background: s.color, marginInlineEnd: 4 }} />
                    {s.label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {categories.map((category, row) => (
                <Table.Tr key={category}>
                  <Table.Th scope="row" fw="normal">
                    {category}
                  </Table.Th>
                  {series.map((s) => (
                    <Table.Td key={s.label} ta="end">
                      {formatNumber(s.values[row] ?? 0)}
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
