// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"

#include <QString>

#include <memory>

namespace certrotor {

/// Makes a source from what a user types (CLI argument, GUI field):
/// - `secret://[CONTEXT/]NAMESPACE/NAME[#KEY]` or `configmap://…` -> a KubeSecretSource on that key;
/// - `file://PATH` or any other text -> a FileSource for that path (a bundle file or a directory).
/// Returns null and sets *error (if given) to a sentence a user can read when the spec is unusable.
/// The source is not started.
std::unique_ptr<Source> createSource(const QString& spec, QString* error = nullptr);

} // namespace certrotor
