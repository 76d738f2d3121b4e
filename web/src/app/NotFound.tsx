import { Button, Stack, Text, Title } from "@mantine/core";
import { Link } from "wouter";
import { useTranslation } from "react-i18next";

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1}>{t("notFoundPage.title")}</Title>
      <Text>{t("notFoundPage.body")}</Text>
      <Button component={Link} href="/" w="fit-content">
        {t("notFoundPage.home")}
      </Button>
    </Stack>
  );
}
