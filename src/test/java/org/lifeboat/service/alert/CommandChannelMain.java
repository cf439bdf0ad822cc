package org.lifeboat.service.alert;

import java.time.Duration;

/** A JVM running one alert command, for {@link CommandChannelTest}: args[0] is the command. */
final class CommandChannelMain {
    private CommandChannelMain() {}

    public static void main(String[] args) throws Exception {
        new CommandChannel(args[0], Duration.ofMinutes(10)).send(AlertTest.sample(Alert.Event.ALERT));
    }
}
