package org.lifeboat.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How to reach a database server. The password is never in the plan: it comes from a file or an
 * environment variable the plan names.
 */
public record DbSpec(String host, int port, String user, String passwordFile, String passwordEnv) {

    /** The password, or null when neither a file nor a variable is given. */
    public String password() throws PlanException {
        if (passwordFile != null) {
            try {
                String s = Files.readString(Path.of(passwordFile));
                int nl = s.indexOf('\n');
                return (nl >= 0 ? s.substring(0, nl) : s).strip();
            } catch (IOException e) {
                throw new PlanException("cannot read the password file " + passwordFile + " for " + user + "@" + host
                        + ":" + port + ": " + e.getMessage());
            }
        }
        if (passwordEnv != null) {
            String v = System.getenv(passwordEnv);
            if (v == null) throw new PlanException("environment variable " + passwordEnv + " (the password for " + user
                    + "@" + host + ":" + port + ") is not set");
            return v;
        }
        return null;
    }

    public String describe() {
        return user + "@" + host + ":" + port;
    }
}
