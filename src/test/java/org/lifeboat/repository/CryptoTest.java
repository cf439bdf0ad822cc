package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CryptoTest {
    @Test
    void roundTripsAndAddsIvAndMac() throws Exception {
        Crypto c = Crypto.random();
        for (int size : new int[] {0, 1, 15, 16, 17, 1000, 1 << 20}) {
            byte[] plain = new byte[size];
            new Random(size).nextBytes(plain);
            byte[] enc = c.encrypt(plain);
            assertThat(enc).hasSize(size + Crypto.OVERHEAD);
            assertThat(c.decrypt(enc)).isEqualTo(plain);
        }
    }

    @Test
    void freshIvEachTime() {
        Crypto c = Crypto.random();
        byte[] p = "same".getBytes(StandardCharsets.UTF_8);
        assertThat(c.encrypt(p)).isNotEqualTo(c.encrypt(p));
    }

    @Test
    void rejectsAnyFlippedBit() {
        Crypto c = Crypto.random();
        byte[] enc = c.encrypt("attack at dawn".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < enc.length; i++) {
            byte[] bad = enc.clone();
            bad[i] ^= 0x10;
            assertThatThrownBy(() -> c.decrypt(bad)).isInstanceOf(CryptoException.class)
                    .hasMessageContaining("ciphertext verification failed");
        }
    }

    @Test
    void rejectsWrongKeyAndShortInput() {
        byte[] enc = Crypto.random().encrypt(new byte[10]);
        assertThatThrownBy(() -> Crypto.random().decrypt(enc)).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> Crypto.random().decrypt(new byte[31])).isInstanceOf(CryptoException.class);
    }

    @Test
    void keyFileOpensWithItsPasswordOnly() throws Exception {
        Crypto master = Crypto.random();
        KeyFile k = KeyFile.create(master, "secret", "ann", "host", 1024, 8, 1);
        KeyFile parsed = KeyFile.parse(k.toJson());
        Crypto opened = parsed.open("secret");
        byte[] enc = master.encrypt(new byte[] {1, 2, 3});
        assertThat(opened.decrypt(enc)).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> parsed.open("wrong")).isInstanceOf(CryptoException.class);
        assertThat(new String(k.toJson(), StandardCharsets.UTF_8)).contains("\"kdf\":\"scrypt\"", "\"N\":1024")
                .doesNotContain(java.util.Base64.getEncoder().encodeToString(master.encKey()));
    }

    @Test
    void aKeyOpenedAgainDerivesItsScryptKeyOnceAndAWrongPasswordStillFails() throws Exception {
        Crypto master = Crypto.random();
        KeyFile k = KeyFile.parse(KeyFile.create(master, "again", "ann", "host", 1024, 8, 1).toJson());
        long before = KeyFile.DERIVATIONS.get()[0];
        assertThat(k.open("again").encKey()).isEqualTo(master.encKey());
        assertThat(k.open("again").encKey()).isEqualTo(master.encKey());
        assertThat(KeyFile.DERIVATIONS.get()[0] - before).isEqualTo(1);
        assertThatThrownBy(() -> k.open("Again")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> k.open("Again")).isInstanceOf(CryptoException.class);
        assertThat(KeyFile.DERIVATIONS.get()[0] - before).isEqualTo(2);
        // Another salt under the same password is derived anew (a new key file, a new repository).
        KeyFile other = KeyFile.parse(KeyFile.create(Crypto.random(), "again", "ann", "host", 1024, 8, 1).toJson());
        other.open("again");
        assertThat(KeyFile.DERIVATIONS.get()[0] - before).isEqualTo(3);
    }
}
