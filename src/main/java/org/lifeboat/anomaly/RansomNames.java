package org.lifeboat.anomaly;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * File names ransomware leaves: the ransom note's names and the extensions it gives encrypted
 * files. Drawn from public incident write-ups (CISA #StopRansomware advisories, ID Ransomware's
 * lists); a list is never complete, which is why the entropy and rename signals carry more weight.
 */
final class RansomNames {
    private RansomNames() {}

    /** Note names, matched case-insensitively against a whole file name. */
    private static final List<Pattern> NOTES = List.of(
            // HOW_TO_DECRYPT.txt, How-To-Unlock.txt: a verb no ordinary page uses with "how to"
            Pattern.compile("[!#_ -]*how[ _-]*to[ _-]*(decrypt|unlock)[^/]*\\.(txt|html?|hta|url|rtf)"),
            // How-To-Restore-Files.html, how_to_back_files.html, HOW_TO_RECOVER_YOUR_DATA.txt (not how-to-get-started.html)
            Pattern.compile("[!#_ -]*how[ _-]*to[ _-]*(recover|restore|back|get[ _-]*back|return)[ _-]*(my[ _-]*|your[ _-]*|all[ _-]*)?"
                    + "(files|data)[^/]*\\.(txt|html?|hta|url|rtf)"),
            // README_TO_DECRYPT.txt, readme-for-unlock.txt, !README!.txt (combined with a verb)
            Pattern.compile("[!#_ -]*read[ _-]*me[^/]*(decrypt|unlock|restore|recover|ransom|locked)[^/]*\\.(txt|html?|hta)"),
            // DECRYPT_INSTRUCTIONS.txt, RECOVER-FILES.txt, Restore-My-Files.txt (LockBit), RESTORE_FILES_INFO.txt
            Pattern.compile("[!#_ -]*(decrypt|recover|restore|unlock)[ _-]*(my[ _-]*)?(files?|instructions?|info|data)[^/]*\\.(txt|html?|hta)"),
            // _readme.txt (STOP/Djvu), readme.hta, #README.hta
            Pattern.compile("[!#_]+readme\\.(txt|hta)|readme\\.hta"),
            // anything that says ransom
            Pattern.compile("[^/]*ransom[^/]*\\.(txt|html?|hta)"),
            // YOUR_FILES_ARE_ENCRYPTED.txt, ATTENTION!!!.txt-like shouting with a verb
            Pattern.compile("[!#_ -]*your[ _-]*files[^/]*\\.(txt|html?|hta)"),
            Pattern.compile("[^/]*(files[ _-]*encrypted|encrypted[ _-]*files)[^/]*\\.(txt|html?|hta)"));

    /**
     * Extensions (without the dot, lower case) that encryptors append or substitute; ones that
     * ordinary files also have ({@code .lock}, {@code .enc}, {@code .java}, {@code .play}) are left out.
     */
    private static final Set<String> EXTENSIONS = Set.of(
            "locked", "encrypted", "crypt", "crypted", "crypto", "cry", "crypz", "cryp1", "lockbit", "lockbit3",
            "wncry", "wcry", "wnry", "wncryt", "ryk", "ryuk", "conti", "akira", "basta", "royal", "phobos",
            "djvu", "cerber", "cerber3", "locky", "zepto", "odin", "thor", "aesir", "osiris", "krab", "gdcb",
            "sodinokibi", "ragnar", "maze", "egregor", "hive", "babyk", "babuk", "clop", "cllp", "mallox", "rhysida",
            "blacksuit", "medusa", "lockyou", "paym", "ransom", "rnsmwr", "xtbl", "zzzzz", "ecc", "ezz", "exx",
            "ctbl", "ctb2", "kraken", "nochance", "dharma", "makop", "nefilim", "avos", "avos2", "ragnarok",
            "darkside", "blackmatter");

    /**
     * Extensions of formats whose content is compressed (archives, office documents, PDFs, images,
     * media): a file renamed to one ({@code app.log.1} to {@code app.log.1.gz}, as logrotate does;
     * {@code report.txt} to {@code report.pdf}) or added under one does not compress for that reason.
     */
    private static final Set<String> COMPRESSED = Set.of("gz", "tgz", "bz2", "tbz2", "xz", "txz", "zst", "zstd", "lz4",
            "lzma", "lz", "z", "zip", "7z", "rar", "jar", "cab", "br", "sz",
            // formats whose content is compressed: office documents, PDFs, images, sound and video
            "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "jpg", "jpeg", "png", "gif", "webp", "heic",
            "heif", "avif", "jxl", "mp3", "m4a", "aac", "ogg", "opus", "flac", "mp4", "m4v", "mov", "mkv", "webm", "avi",
            "wmv", "wma");

    /** Whether a file name ends in an extension of a compressed format. */
    static boolean isCompressed(String name) {
        String ext = extension(name);
        return ext != null && COMPRESSED.contains(ext);
    }

    /** Whether a file name is one a ransom note is given. */
    static boolean isNote(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.length() > 200) return false;
        for (Pattern p : NOTES) if (p.matcher(n).matches()) return true;
        return false;
    }

    /** Whether a file name ends in an extension encryptors use. */
    static boolean hasRansomExtension(String name) {
        String ext = extension(name);
        return ext != null && EXTENSIONS.contains(ext);
    }

    /** The last extension, lower case, without the dot; null when the name has none. */
    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) return null;
        String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return ext.length() > 16 ? null : ext;
    }

    /** The name without its last extension. */
    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }
}
