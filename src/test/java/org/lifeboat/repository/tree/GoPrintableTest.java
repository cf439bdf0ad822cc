package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoPrintableTest {
    private static boolean javaPrintable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> cp == ' ';
        };
    }

    @Test
    void agreesWithJavaExceptForCharactersNewerThanUnicode13() {
        int newer = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            boolean go = GoPrintable.isPrint(cp);
            if (go) assertThat(javaPrintable(cp)).as("U+%04X", cp).isTrue(); // old characters keep their class
            if (!go && javaPrintable(cp)) newer++;
        }
        assertThat(newer).isBetween(5_000, 20_000); // Unicode 14, 15, 15.1, 16 additions
    }

    @Test
    void spotChecks() {
        assertThat(GoPrintable.isPrint(' ')).isTrue();
        assertThat(GoPrintable.isPrint('~')).isTrue();
        assertThat(GoPrintable.isPrint(0x7F)).isFalse();
        assertThat(GoPrintable.isPrint(0x1F)).isFalse();
        assertThat(GoPrintable.isPrint(0xA0)).isFalse();    // no-break space: Zs
        assertThat(GoPrintable.isPrint(0x3000)).isFalse();  // ideographic space
        assertThat(GoPrintable.isPrint(0xAD)).isFalse();    // soft hyphen: Cf
        assertThat(GoPrintable.isPrint(0x2028)).isFalse();
        assertThat(GoPrintable.isPrint(0xE9)).isTrue();
        assertThat(GoPrintable.isPrint(0xFFFD)).isTrue();
        assertThat(GoPrintable.isPrint(0x1F600)).isTrue();
        assertThat(GoPrintable.isPrint(0x1FAE0)).isFalse(); // melting face, Unicode 14
        assertThat(GoPrintable.isPrint(0x0870)).isFalse();  // Unicode 14
        assertThat(GoPrintable.isPrint(0xE000)).isFalse();  // private use
        assertThat(GoPrintable.isPrint(0xE01EF)).isTrue();  // variation selector 256: Mn
        assertThat(GoPrintable.isPrint(0x10FFFF)).isFalse();
    }
}
