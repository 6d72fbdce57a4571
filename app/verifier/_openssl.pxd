# OpenSSL's SHA-256 for the verifier's native core (setup.py links libcrypto).
cdef extern from "openssl/sha.h" nogil:
    ctypedef struct SHA256_CTX:
        pass
    int SHA256_Init(SHA256_CTX* c)
    int SHA256_Update(SHA256_CTX* c, const void* data, size_t length)
    int SHA256_Final(unsigned char* md, SHA256_CTX* c)
    unsigned char* SHA256(const unsigned char* d, size_t n, unsigned char* md)
