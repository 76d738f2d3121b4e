// The signatories on a world map: each country shaded by its number of signatories, from
// Natural Earth's outlines shipped in the world-atlas package (nothing fetched at run time).
// The numbers themselves are in the country table beside it; the map is one image with a
// legend, and each country names itself and its count on hover. Loaded with the map only.
import { useMemo } from "react";
import { Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { geoEqualEarth, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import atlas from "world-atlas/countries-110m.json";
import { formatNumber } from "../../format";
import { alpha2OfNumeric, shadeOf, shadeRanges, shades } from "./map";
import { countryName } from "./model";

const width = 960;
const height = 470;

/** The countries' outlines, projected once: the atlas does not change. */
function useOutlines() {
  return useMemo(() => {
    const topology = atlas as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
    const countries = feature(topology, topology.objects.countries);
    const path = geoPath(geoEqualEarth().fitSize([width, height], countries));
    return countries.features.flatMap((f) => {
      const d = path(f);
      return d === null ? [] : [{ code: alpha2OfNumeric(f.id), d }];
    });
  }, []);
}

export default function SignatoryMap({ title, counts }: { title: string; counts: Record<string, number> }) {
  const { t, i18n } = useTranslation("declarations");
  const outlines = useOutlines();
  const max = Math.max(0, ...Object.values(counts));
  return (
    <Stack gap="xs">
      {/* SVG coordinates are absolute: the map reads the same way in every writing direction. */}
      <svg viewBox={`0 0 ${String(width)} ${String(height)}`} role="img" aria-label={title} style={{ inlineSize: "100%", blockSize: "auto" }}>
        {outlines.map((o, i) => {
          const n = counts[o.code] ?? 0;
          return (
            <path key={`${o.code}-${String(i)}`} d={o.d} fill={shades[shadeOf(n, max)]} stroke="#868e96" strokeWidth={0.4}>
              {o.code !== "" ? <title>{t("figures.mapCountry", { country: countryName(o.code, i18n.language), count: n, total: formatNumber(n) })}</title> : null}
            </path>
          );
        })}
      </svg>
      <Group gap="sm" aria-label={t("figures.mapLegend")} role="group">
        <LegendSwatch color={shades[0]} label={t("figures.mapNone")} />
        {shadeRanges(max).map((r) => (
          <LegendSwatch key={r.shade} color={shades[r.shade] ?? shades[0]} label={r.from === r.to ? formatNumber(r.from) : `${formatNumber(r.from)}–${formatNumber(r.to)}`} />
        ))}
      </Group>
    </Stack>
  );
}

function LegendSwatch({ color, label }: { color: string; label: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <span aria-hidden="true" style={{ display: "inline-block", inlineSize: 14, blockSize: 14, background: color, border: "1px solid #868e96" }} />
      <Text size="xs">{label}</Text>
    </Group>
  );
}
