// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"
#include "x509/Certificate.h"

#include <QList>
#include <QString>

namespace certrotor {

/// Where something came from: a file, the PEM block (1-based, counting every BEGIN line) and the line
/// (1-based). A DER file has block 0; a certificate inside a PKCS#7 structure also has its index.
struct SourceLocation
{
    QString file;
    int block = 0;
    int line = 0;
    int item = 0; // 1-based position inside a PKCS#7 structure, 0 otherwise

    /// "ca.pem: block 3, line 41" (or "ca.p7b: PKCS#7 certificate 2").
    QString text() const;
};

/// A problem found while reading a bundle. Errors mean a block was not used; warnings mean it was
/// skipped on purpose (a private key, a CRL) or read with a remark.
struct ParseIssue
{
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    SourceLocation where;
    QString message;

    QString text() const { return where.text() + QStringLiteral(": ") + message; }
};

struct BundleEntry
{
    Certificate certificate;
    SourceLocation source;
};

/// The certificates of one bundle in file order, and every problem met on the way. A bad block
/// never stops the parse: the next block is read as if the bad one were not there.
struct Bundle
{
    QString name;
    QList<BundleEntry> entries;
    QList<ParseIssue> issues;
    QByteArray contentSha256; // of the raw input: the revision of a file bundle

    bool hasErrors() const;
    QList<Certificate> certificates() const;
};

struct ParseOptions
{
    /// Spread decoding over the global thread pool for bundles with many blocks.
    bool parallel = true;
};

/// Parses PEM (any number of blocks, text between them, CERTIFICATE, X509 CERTIFICATE, TRUSTED
/// CERTIFICATE, PKCS7), a single DER certificate, or DER PKCS#7. Never throws, never hangs: the cost is
/// linear in the input.
Bundle parseBundle(QByteArrayView data, const QString& name, const ParseOptions& options = {});

/// The files of a directory of bundles, in name order: regular, non-hidden files, symlinks to files
/// followed (a Secret volume's `ca.crt -> ..data/ca.crt` counts, `..data` itself does not), and several
/// links to one file (c_rehash's `1a2b3c4d.0` next to `Name.pem`) counted once, under the first name.
QStringList bundleFilesInDirectory(const QString& directory);

/// The bytes of a bundle file ("-" for standard input); fails with a readable error when the path is a
/// directory or cannot be read. For callers that parse through a cache (one parse per revision).
Result<QByteArray> readBundleFile(const QString& path);

/// Reads a file ("-" for standard input) and parses it. Fails only when the file cannot be read.
Result<Bundle> loadBundleFile(const QString& path, const ParseOptions& options = {});

} // namespace certrotor
