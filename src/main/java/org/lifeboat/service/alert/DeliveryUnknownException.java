package org.lifeboat.service.alert;

import java.io.IOException;

/**
 * An alert that counts as not delivered, but must not be sent again: the channel may have
 * delivered it before it failed (an alert command that paged and then hung past its timeout).
 * Whoever retries failed alerts says this one and drops it.
 */
public final class DeliveryUnknownException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message a sentence naming the channel (without secrets), what happened and that the
     *     alert is not sent again
     */
    public DeliveryUnknownException(String message) {
        super(message);
    }
}
