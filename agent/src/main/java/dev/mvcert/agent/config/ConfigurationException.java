package dev.mvcert.agent.config;

/** A setting has a value the agent cannot work with; the message names the setting and the value. */
public final class ConfigurationException extends RuntimeException {
    public ConfigurationException(String message) {
        super(message);
    }
}
