/*
 * core.p4 — the P4_16 core library, bundled with the slb compiler.
 * Written from the P4_16 language specification (appendix "P4 core library"): the declarations
 * every target shares. Names and signatures follow the specification so that programs written
 * for other compilers compile unchanged.
 */
#ifndef _CORE_P4_
#define _CORE_P4_

/* Errors a parser can signal; programs may add members with further `error { ... }` blocks. */
error {
    NoError,
    PacketTooShort,
    NoMatch,
    StackOutOfBounds,
    HeaderTooShort,
    ParserTimeout,
    ParserInvalidArgument
}

/* The packet being parsed. */
extern packet_in {
    /* Reads a fixed-size header and makes it valid. */
    void extract<T>(out T hdr);
    /* Reads a header whose last field is a varbit of the given size in bits. */
    void extract<T>(out T variableSizeHeader, in bit<32> variableFieldSizeInBits);
    /* Returns the next bits of the packet without consuming them. */
    T lookahead<T>();
    /* Skips the given number of bits. */
    void advance(in bit<32> sizeInBits);
    /* Total packet length in bytes (not supported by every target). */
    bit<32> length();
}

/* The packet being assembled by a deparser. */
extern packet_out {
    /* Appends a header (if valid), or every valid header of a struct, stack or union. */
    void emit<T>(in T hdr);
}

/* In a parser: when `check` is false, stop parsing with error `toSignal`. */
extern void verify(in bool check, in error toSignal);

/* Evaluated by the compiler: stops compilation with `message` when `check` is false. */
extern bool static_assert(bool check, string message);
extern bool static_assert(bool check);

/* The action that does nothing; the usual default action of a table. */
@noWarn("unused")
action NoAction() {}

/* Match kinds every target supports. */
match_kind {
    exact,
    ternary,
    lpm
}

#endif  /* _CORE_P4_ */
