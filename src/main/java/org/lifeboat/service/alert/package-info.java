/**
 * The alert channels of {@code lifeboat serve} (issue 13): an {@link
 * org.lifeboat.service.alert.Alert} raised or resolved for a system of the recovery plan goes to
 * each configured {@link org.lifeboat.service.alert.AlertChannel} — a webhook in JSON, Slack or
 * ntfy format ({@link org.lifeboat.service.alert.WebhookChannel}), an email over SMTP with
 * STARTTLS ({@link org.lifeboat.service.alert.EmailChannel}) or a command reading the alert's JSON
 * on its standard input ({@link org.lifeboat.service.alert.CommandChannel}) — and {@link
 * org.lifeboat.service.alert.Pinger} reports each job to a Healthchecks.io-style dead man's switch.
 *
 * <p>Nothing here logs or retries: channels throw {@link java.io.IOException} with a sentence
 * free of secrets, pings return whether they were accepted, and the caller logs and decides.
 */
package org.lifeboat.service.alert;
