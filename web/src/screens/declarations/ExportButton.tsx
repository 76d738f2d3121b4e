// A declaration's signatures as a CSV file, streamed by ExportSignatures chunk by chunk with
// what has arrived so far: every signature with all columns (officers), or the public list.
import { Button, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { declarations } from "../../api/declarations";
import { downloadBlob, fileDate } from "../../components/Download";
import { formatNumber } from "../../format";
import type { Declaration } from "../../gen/engage/declarations/v1/declaration_pb";
import { idOf } from "../partners/model";
import { exportFileName } from "./model";
import { RefusalAlert } from "./shared";

export function ExportButton({ declaration, publicOnly }: { declaration: Declaration; publicOnly: boolean }) {
  const { t } = useTranslation("declarations");
  // Bytes received so far: rows may hold line breaks, so the count of rows comes at the end.
  const [written, setWritten] = useState<number | null>(null);
  const exporter = useMutation({
    mutationFn: async () => {
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let rows = 0;
      let done = false;
      setWritten(0);
      for await (const message of declarations().exportSignatures({ parent: declaration.name, publicOnly })) {
        if (message.csvData.length > 0) chunks.push(message.csvData.slice());
        if (message.done) {
          done = true;
          rows = Number(message.rowCount);
        }
        setWritten((n) => (n ?? 0) + message.csvData.length);
      }
      if (!done) throw new Error(t("export.incomplete"));
      const filename = exportFileName(idOf(declaration.name), publicOnly, fileDate());
      downloadBlob(new Blob(chunks, { type: "text/csv;charset=utf-8" }), filename);
      return { rows, filename };
    },
  });
  return (
    <Stack gap={4}>
      <Button
        variant="default"
        onClick={() => {
          exporter.mutate();
        }}
        loading={exporter.isPending}
      >
        {publicOnly ? t("export.public") : t("export.all")}
      </Button>
      <div role="status" aria-live="polite">
        {exporter.isPending && written !== null ? <Text size="xs">{t("export.progress", { size: formatNumber(Math.ceil(written / 1024)) })}</Text> : null}
        {exporter.data ? <Text size="xs">{t("export.done", { rows: formatNumber(exporter.data.rows), file: exporter.data.filename })}</Text> : null}
      </div>
      <RefusalAlert error={exporter.error} />
    </Stack>
  );
}
