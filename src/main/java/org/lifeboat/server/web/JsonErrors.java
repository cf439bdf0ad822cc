package org.lifeboat.server.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.lifeboat.repository.Json;

/**
 * The answers the HTTP server itself gives, before any route sees the request (brk13 #16): a
 * request line longer than {@link #MAX_HEADER_BYTES} (414), headers over it (431), a request that
 * is not HTTP (400) and the like. They are the API's own shape, {@code {"error": "one sentence"}}
 * as {@code application/json}, on every path (the path of such a request is often not known), with
 * no server name, stack or HTML.
 */
final class JsonErrors extends ErrorHandler {
    /** Jetty's default limit on the request line and headers together, in bytes (8 KiB). */
    static final int MAX_HEADER_BYTES = 8192;

    JsonErrors() {
        setShowStacks(false);
        setShowCauses(false);
        setShowOrigin(false);
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // every method gets the sentence, not only GET and POST
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        byte[] body = Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("error", sentence(code, message)));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * The sentence for an error status the server produced, {@code reason} being what it said (may
     * be null).
     *
     * @param status an HTTP status code (4xx or 5xx)
     */
    static String sentence(int status, String reason) {
        return switch (status) {
            case 413 -> "the request's body is larger than the " + WebServer.MAX_BODY_BYTES + " bytes a request may carry";
            case 414 -> "the request's address is longer than the server takes (" + MAX_HEADER_BYTES + " bytes with the headers)";
            case 431 -> "the request's headers are larger than the server takes (" + MAX_HEADER_BYTES + " bytes with the address)";
            case 400 -> "the request is not one the server can read" + (plain(reason) ? " (" + reason + ")" : "");
            case 404 -> "no such page or API route";
            case 405 -> methodSentence(null);
            case 408 -> "the request took too long to arrive";
            case 505 -> "the server speaks HTTP/1.1 and HTTP/2 only";
            default -> "the server could not answer the request (HTTP " + status + (plain(reason) ? ": " + reason : "") + ")";
        };
    }

    /**
     * The sentence of a 405 for a method the server takes on no address.
     *
     * @param method the method asked for, or null when not known
     */
    static String methodSentence(String method) {
        return (method == null ? "that method" : method) + " is not a method this server answers: it takes GET, HEAD and POST";
    }

    /** Whether a reason is short words worth repeating (not a dump of the request). */
    private static boolean plain(String reason) {
        return reason != null && !reason.isBlank() && reason.length() <= 120 && reason.chars().noneMatch(c -> c < 0x20 || c == '<');
    }
}
