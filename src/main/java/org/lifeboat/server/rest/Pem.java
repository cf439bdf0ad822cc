package org.lifeboat.server.rest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.DERNull;

/** PEM certificate and key files (as rest-server's --tls-cert/--tls-key) turned into a key store. */
public final class Pem {
    private Pem() {}

    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

    /**
     * A key store holding the key of {@code keyFile} (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE
     * KEY" or SEC1 "EC PRIVATE KEY") with the certificate chain of {@code certFile}, under the alias
     * "server" and {@code password}.
     *
     * @throws IllegalArgumentException with one sentence naming the file that cannot be used
     */
    public static KeyStore keyStore(Path certFile, Path keyFile, char[] password) {
        List<Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (String[] b : blocks(certFile)) {
                if (b[0].equals("CERTIFICATE")) chain.add(cf.generateCertificate(new ByteArrayInputStream(b[1].getBytes(StandardCharsets.US_ASCII))));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-cert " + certFile + " holds a certificate that cannot be read: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) throw new IllegalArgumentException("--tls-cert " + certFile + " holds no PEM CERTIFICATE block");
        PrivateKey key = null;
        for (String[] b : blocks(keyFile)) {
            key = switch (b[0]) {
                case "PRIVATE KEY" -> pkcs8(keyFile, der(b[1]));
                case "RSA PRIVATE KEY" -> pkcs8(keyFile, wrap(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE), der(b[1])));
                case "EC PRIVATE KEY" -> {
                    ECPrivateKey ec = ECPrivateKey.getInstance(der(b[1]));
                    yield pkcs8(keyFile, wrap(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()), der(b[1])));
                }
                default -> key;
            };
            if (key != null) break;
        }
        if (key == null) throw new IllegalArgumentException("--tls-key " + keyFile + " holds no unencrypted PEM private key");
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, password, chain.toArray(Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("--tls-key " + keyFile + " does not fit the certificate of " + certFile + ": " + e.getMessage(), e);
        }
    }

    private static List<String[]> blocks(Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("cannot read " + f + ": it does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("cannot read " + f + ": permission denied", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage(), e);
        }
        List<String[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) out.add(new String[] {m.group(1), m.group(0)});
        return out;
    }

    private static byte[] der(String block) {
        String body = block.replaceAll("-----[A-Z0-9 ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static byte[] wrap(AlgorithmIdentifier alg, byte[] key) {
        try {
            return new PrivateKeyInfo(alg, org.bouncycastle.asn1.ASN1Primitive.fromByteArray(key)).getEncoded();
        } catch (IOException e) {
            throw new IllegalArgumentException("the private key cannot be parsed: " + e.getMessage(), e);
        }
    }

    private static PrivateKey pkcs8(Path f, byte[] der) {
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next kind
            }
        }
        throw new IllegalArgumentException("--tls-key " + f + " holds a private key of a kind that is not supported (RSA, EC, Ed25519 are)");
    }
}
