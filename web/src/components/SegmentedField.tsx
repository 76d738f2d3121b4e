// A segmented choice with a visible label above it that names it for screen readers (Mantine's
// SegmentedControl has no label of its own).
import { SegmentedControl, Stack, Text, type SegmentedControlProps } from "@mantine/core";

export function SegmentedField({ id, label, ...control }: SegmentedControlProps & { id: string; label: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500} id={id}>
        {label}
      </Text>
      <SegmentedControl aria-labelledby={id} {...control} />
    </Stack>
  );
}
