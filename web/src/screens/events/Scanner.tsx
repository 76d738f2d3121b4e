// The camera at the check-in desk: the device's back camera in a preview, read a few times a
// second for a QR code or barcode holding a badge code. Loaded only when the camera is started.
// The browser's own BarcodeDetector is used where it exists (Chrome on Android); elsewhere the
// ZXing WebAssembly reader, whose .wasm file is bundled with the console (never a CDN).
import { useEffect, useRef, useState } from "react";
import { Alert, Button, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";
import { badgeFromScan } from "./model";

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

const formats = ["qr_code", "code_128", "code_39", "data_matrix", "aztec"] as const;

async function makeDetector(): Promise<Detector> {
  const native = (window as { BarcodeDetector?: { new (o: { formats: string[] }): Detector; getSupportedFormats(): Promise<string[]> } }).BarcodeDetector;
  if (native !== undefined) {
    const supported: string[] = await native.getSupportedFormats().catch(() => []);
    if (supported.includes("qr_code")) return new native({ formats: formats.filter((f) => supported.includes(f)) });
  }
  const { BarcodeDetector, prepareZXingModule } = await import("barcode-detector/ponyfill");
  // Loaded now rather than at the first frame, so a reader that cannot start says so at once.
  await prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
    },
    fireImmediately: true,
  });
  return new BarcodeDetector({ formats: [...formats] });
}

type CameraProblem = "denied" | "missing" | "failed";

function cameraProblem(error: unknown): CameraProblem {
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "missing";
  return "failed";
}

/**
 * The camera preview; `onCode` receives each badge code read (normalised), at most once per
 * badge every few seconds so a badge held in front of the camera is checked in once.
 */
export default function Scanner({ onCode, onStop }: { onCode: (code: string) => void; onStop: () => void }) {
  const { t } = useTranslation("events");
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<CameraProblem | null>(null);
  const [ready, setReady] = useState(false);
  const handler = useRef(onCode);
  useEffect(() => {
    handler.current = onCode;
  }, [onCode]);

  useEffect(() => {
    // Read after awaits: an object, so the checks see the cleanup's change.
    const life = { stopped: false };
    const stopped = () => life.stopped;
    let stream: MediaStream | null = null;
    let timer: number | undefined;
    const recent = new Map<string, number>();
    const start = async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        if (stopped() || video.current === null) return;
        video.current.srcObject = stream;
        await video.current.play();
        const detector = await makeDetector();
        if (stopped()) return;
        setReady(true);
        const scan = async () => {
          if (stopped() || video.current === null) return;
          try {
            if (video.current.readyState >= 2) {
              for (const found of await detector.detect(video.current)) {
                const code = badgeFromScan(found.rawValue);
                const now = Date.now();
                if (code !== null && now - (recent.get(code) ?? 0) > 4000) {
                  recent.set(code, now);
                  handler.current(code);
                }
              }
            }
          } catch {
            // A frame that cannot be read is skipped; the next one is tried.
          }
          if (!stopped()) timer = window.setTimeout(() => void scan(), 200);
        };
        void scan();
      } catch (e: unknown) {
        if (!stopped()) setProblem(cameraProblem(e));
      }
    };
    void start();
    return () => {
      life.stopped = true;
      window.clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, []);

  return (
    <Stack gap="xs">
      {problem !== null ? (
        <Alert color="red" role="alert">
          <Text size="sm">{t(`scan.problem.${problem}`)}</Text>
        </Alert>
      ) : (
        <>
          <video
            ref={video}
            muted
            playsInline
            aria-label={t("scan.preview")}
            style={{ width: "100%", maxHeight: "50vh", objectFit: "cover", borderRadius: "var(--mantine-radius-md)", background: "var(--mantine-color-dark-7)" }}
          />
          <Text size="sm" c="gray.7" aria-live="polite">
            {ready ? t("scan.hold") : t("scan.starting")}
          </Text>
        </>
      )}
      <Button variant="default" onClick={onStop}>
        {t("scan.stop")}
      </Button>
    </Stack>
  );
}
