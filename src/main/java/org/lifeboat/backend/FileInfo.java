package org.lifeboat.backend;

/** A listed file: its name and size in bytes. */
public record FileInfo(String name, long size) {}
