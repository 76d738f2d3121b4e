// A declaration's text, written in Markdown, shown as it reads: headings, lists, emphasis and
// links. Raw HTML in the text is shown as text, never run, and links open in a new tab; the
// renderer is loaded with this component only.
import Markdown from "markdown-to-jsx/react";
import { Typography } from "@mantine/core";

export default function DeclarationText({ text }: { text: string }) {
  return (
    <Typography style={{ overflowWrap: "anywhere" }}>
      <Markdown
        options={{
          disableParsingRawHTML: true,
          forceBlock: true,
          // The page has one h1 and section h2s: the text's own headings start below them.
          overrides: {
            h1: { component: "h3" },
            h2: { component: "h4" },
            h3: { component: "h5" },
            a: { props: { target: "_blank", rel: "noreferrer" } },
          },
        }}
      >
        {text}
      </Markdown>
    </Typography>
  );
}
