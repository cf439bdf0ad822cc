package org.lifeboat.service.alert;

import java.io.IOException;

/**
 * Somewhere {@code lifeboat serve} sends its alerts: a webhook, an email address, a command.
 *
 * <p>Implementations are safe to use from several threads and retry nothing themselves: the
 * caller decides whether and when to try again.
 */
public interface AlertChannel extends AutoCloseable {

    /**
     * Names the channel for logs and status output, without credentials or URL secrets, e.g.
     * {@code webhook https://hooks.example.com/…}, {@code email to ops@example.com},
     * {@code command /usr/local/bin/page-oncall …}.
     *
     * @return one line
     */
    String describe();

    /**
     * Delivers one alert, waiting at most the channel's timeout (per connection or request).
     *
     * @param a the alert
     * @throws IOException if the alert was not delivered; the message is a sentence naming the
     *     channel (as {@link #describe()}, so without secrets) and the reason
     */
    void send(Alert a) throws IOException;

    /**
     * What an operator should know about this channel's settings, each a sentence for the log when
     * the channel is set up, e.g. that an SMTP login travels unencrypted.
     *
     * @return the warnings, none by default
     */
    default java.util.List<String> warnings() {
        return java.util.List.of();
    }

    /**
     * Stops what the channel still has running (an alert command and what it started) after a
     * short grace, and sends nothing more. Nothing to do by default.
     */
    @Override
    default void close() {}
}
