package org.lifeboat.backend;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code s3:} location taken apart as restic's {@code s3.ParseConfig} does:
 * {@code s3:https://HOST[:PORT]/BUCKET[/PREFIX]}, {@code s3:http://…} (plain HTTP), and without a
 * scheme {@code s3:HOST/BUCKET[/PREFIX]} or {@code s3://HOST/BUCKET[/PREFIX]}, which mean HTTPS
 * (e.g. {@code s3:s3.amazonaws.com/bucket/prefix}). No prefix means the bucket's top level, as in
 * restic since 0.9.
 *
 * @param https  whether the endpoint is reached over HTTPS
 * @param host   the endpoint's host and port, e.g. {@code 127.0.0.1:7480} or {@code s3.amazonaws.com}
 * @param bucket the bucket's name
 * @param prefix the folder in the bucket that holds the repository, cleaned ("" for the top level)
 */
record S3Location(boolean https, String host, String bucket, String prefix) {

    /** A URL scheme at the start of a location (s3:ftp://…), which only http and https may be. */
    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://");
    private static final Pattern IP = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern AWS_HOST = Pattern.compile("(?:.*\\.)?amazonaws\\.com(?:\\.cn)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern AWS_REGION = Pattern.compile(
            "^(?:[^.]+\\.)*?s3[.-](?:dualstack\\.)?([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\\d+)\\.amazonaws\\.com(?:\\.cn)?$",
            Pattern.CASE_INSENSITIVE);

    /**
     * Parses what follows {@code s3:}.
     *
     * @param location the whole location, for messages (shown redacted)
     * @throws IllegalArgumentException one sentence naming the location: no host or bucket, a
     *     malformed URL, credentials written into the location, or a prefix with {@code ..}
     */
    static S3Location parse(String location, String spec) {
        String shown = "repository location '" + Backends.redact(location) + "'";
        String form = " (s3:https://HOST[:PORT]/BUCKET[/PREFIX], s3:http://… or s3:HOST/BUCKET[/PREFIX])";
        boolean https;
        String host;
        String path;
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            URI u;
            try {
                u = new URI(spec);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(shown + " is not a valid URL: " + e.getReason() + form);
            }
            if (u.getRawUserInfo() != null) {
                throw new IllegalArgumentException(shown + " holds credentials; give them in AWS_ACCESS_KEY_ID and"
                        + " AWS_SECRET_ACCESS_KEY (or an AWS profile) instead, never in the location");
            }
            if (u.getHost() == null || u.getHost().isEmpty()) throw new IllegalArgumentException(shown + " names no host" + form);
            https = u.getScheme().equalsIgnoreCase("https");
            host = u.getRawAuthority();
            path = u.getPath() == null ? "" : u.getPath();
            if (path.startsWith("/")) path = path.substring(1);
        } else {
            Matcher scheme = SCHEME.matcher(spec);
            if (scheme.lookingAt()) {
                throw new IllegalArgumentException(shown + " has the scheme '" + scheme.group(1) + "'; the scheme must be http or https" + form);
            }
            String s = spec.startsWith("//") ? spec.substring(2) : spec;
            int slash = s.indexOf('/');
            host = slash < 0 ? s : s.substring(0, slash);
            path = slash < 0 ? "" : s.substring(slash + 1);
            https = true;
            if (host.contains("@")) {
                throw new IllegalArgumentException(shown + " holds credentials; give them in AWS_ACCESS_KEY_ID and"
                        + " AWS_SECRET_ACCESS_KEY (or an AWS profile) instead, never in the location");
            }
            if (host.isEmpty()) throw new IllegalArgumentException(shown + " names no host" + form);
        }
        int slash = path.indexOf('/');
        String bucket = slash < 0 ? path : path.substring(0, slash);
        String rest = slash < 0 ? "" : path.substring(slash + 1);
        if (bucket.isEmpty()) throw new IllegalArgumentException(shown + " names no bucket" + form);
        String bad = badBucketName(bucket);
        if (bad != null) {
            throw new IllegalArgumentException(shown + " names the bucket '" + bucket + "', which is not a valid S3 bucket name: " + bad
                    + " (S3 bucket names are 3 to 63 lower-case letters, digits, dots and hyphens, start and end with a letter or digit,"
                    + " have no '..' and are not an IP address)");
        }
        List<String> parts = new ArrayList<>();
        for (String p : rest.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) throw new IllegalArgumentException(shown + " has '..' in its prefix; give the folder in the bucket plainly");
            parts.add(p);
        }
        return new S3Location(https, host, bucket, String.join("/", parts));
    }

    /**
     * Why {@code name} is not a valid S3 bucket name (S3's rules, which the AWS SDK enforces
     * before any request), or null when it is valid.
     */
    static String badBucketName(String name) {
        if (name.length() < 3 || name.length() > 63) return "it is " + name.length() + " characters long";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') return "it has upper-case letters";
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-')) {
                return "it has the character '" + c + "'";
            }
        }
        if (!Character.isLetterOrDigit(name.charAt(0)) || !Character.isLetterOrDigit(name.charAt(name.length() - 1))) {
            return "it does not start and end with a letter or digit";
        }
        if (name.contains("..")) return "it has '..'";
        if (name.contains(".-") || name.contains("-.")) return "it has a dot next to a hyphen";
        if (IP.matcher(name).matches()) return "it is an IP address";
        return null;
    }

    /** The endpoint URL, {@code https://HOST} or {@code http://HOST}. */
    URI endpoint() {
        return URI.create((https ? "https://" : "http://") + host);
    }

    /** The host without its port, lower case. */
    String hostName() {
        String h = host;
        if (h.startsWith("[")) return h.substring(0, h.indexOf(']') + 1).toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        return (colon < 0 ? h : h.substring(0, colon)).toLowerCase(Locale.ROOT);
    }

    /** True for Amazon's own endpoints (…amazonaws.com), where the SDK finds the endpoint from the region. */
    boolean aws() {
        return AWS_HOST.matcher(hostName()).matches();
    }

    /** The region written into an AWS host name ({@code s3.eu-west-1.amazonaws.com}), or null. */
    String regionInHost() {
        Matcher m = AWS_REGION.matcher(hostName());
        return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /**
     * Whether requests name the bucket in the path ({@code host/bucket/key}) rather than in the
     * host ({@code bucket.host/key}), for {@code -o s3.bucket-lookup}: {@code path} and {@code
     * dns} say so; {@code auto} (restic's default, decided as minio-go decides it) uses the host
     * only for Amazon's endpoints and a bucket name without dots over HTTPS, and the path for
     * every other endpoint (a custom endpoint with an IP address or a port has no DNS names for
     * its buckets).
     */
    boolean pathStyle(String lookup) {
        return switch (lookup == null ? "auto" : lookup) {
            case "path" -> true;
            case "dns" -> false;
            default -> !(aws() && !(https && bucket.contains(".")));
        };
    }
}
