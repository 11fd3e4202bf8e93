// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"

#include <QString>

#include <functional>
#include <memory>

class QObject;

namespace certrotor {

/// Makes a source from what a user types (CLI argument, GUI field):
/// - `secret://[CONTEXT/]NAMESPACE/NAME[#KEY]` or `configmap://…` -> a KubeSecretSource on that key;
/// - `file://PATH` or any other text -> a FileSource for that path (a bundle file or a directory).
/// Returns null and sets *error (if given) to a sentence a user can read when the spec is unusable.
/// The source is not started.
std::unique_ptr<Source> createSource(const QString& spec, QString* error = nullptr);

/// As createSource(), reading nothing on the calling thread: a Kubernetes spec's kubeconfig (files and
/// YAML) is read on the thread pool, then the client and the source are made on `context`'s thread and
/// handed to `done` (null with the error in words when unusable). A spec that does not parse fails at once
/// (before this returns); `done` is dropped if `context` dies first.
using SourceCreated = std::function<void(std::unique_ptr<Source> source, const QString& error)>;
void createSourceAsync(const QString& spec, QObject* context, SourceCreated done);

} // namespace certrotor
