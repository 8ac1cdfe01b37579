//! Loading a block: what the bytes are, the contract they speak, the manifest they describe, compiled once (or read from the artifact cache) and pre-instantiated.

use super::*;

impl Runtime {
    /// Check, compile (or load from the cache) and pre-instantiate a component, then
    /// ask it for its manifest and check that too.
    pub async fn load(&self, bytes: &[u8]) -> Result<LoadedBlock, LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                limit: self.config.max_component_bytes,
            });
        }
        inspect::classify_bytes(bytes)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let engine = self.engine.clone();
        let artifacts = self.cache.clone();
        let (owned, key) = (bytes.to_vec(), sha256.clone());
        let (component, cache) = self
            .compiling(move || match &artifacts {
                Some(cache) => cache.load_or_compile(&engine, &key, &owned),
                None => Component::new(&engine, &owned).map(|c| (c, CacheOutcome::Uncached)),
            })
            .await?
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        self.prepare(component, sha256, bytes.len(), cache).await
    }

    /// Like [`Runtime::load`], but never touches the artifact cache: the publish
    /// pipeline checks a component fully and only stores its artifact (returned here)
    /// once the version is committed, so a refused upload leaves nothing behind.
    pub async fn load_uncached(&self, bytes: &[u8]) -> Result<(LoadedBlock, Vec<u8>), LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                limit: self.config.max_component_bytes,
            });
        }
        inspect::classify_bytes(bytes)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let engine = self.engine.clone();
        let owned = bytes.to_vec();
        let artifact = self
            .compiling(move || engine.precompile_component(&owned))
            .await?
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        // SAFETY: `artifact` was produced just now by this engine.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.engine, &artifact) }
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        let block = self
            .prepare(component, sha256, bytes.len(), CacheOutcome::Uncached)
            .await?;
        Ok((block, artifact))
    }

    /// Run `compile` (Cranelift, or reading an artifact) on a blocking thread, one at a
    /// time: the async workers that serve pages never wait behind a compilation, and a
    /// burst of publishes queues here instead of taking every core from the blocks
    /// whose deadlines run meanwhile.
    async fn compiling<T: Send + 'static>(
        &self,
        compile: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, LoadError> {
        let _turn = self
            .compiles
            .acquire()
            .await
            .map_err(|e| LoadError::Invalid(e.to_string()))?;
        tokio::task::spawn_blocking(compile)
            .await
            .map_err(|e| LoadError::Invalid(format!("compilation did not finish: {e}")))
    }

    /// Keep a precompiled artifact (from [`Runtime::load_uncached`]) in the cache, so
    /// the next [`Runtime::load`] of the component deserializes it.
    pub fn keep_artifact(&self, sha256: &str, artifact: &[u8]) -> std::io::Result<()> {
        match &self.cache {
            Some(cache) => cache.store(sha256, artifact),
            None => Ok(()),
        }
    }

    pub(crate) async fn prepare(
        &self,
        component: Component,
        sha256: String,
        size: usize,
        cache: CacheOutcome,
    ) -> Result<LoadedBlock, LoadError> {
        let shape = inspect::shape(&self.engine, &component)?;
        let prepare = |e: wasmtime::Error| LoadError::Prepare(format!("{e:#}"));
        let pre = match shape.contract.minor {
            0 => Pre::V1_0(
                bindings::v1_0::BuildingBlockPre::new(
                    self.linker_v1_0
                        .instantiate_pre(&component)
                        .map_err(prepare)?,
                )
                .map_err(prepare)?,
            ),
            1 => Pre::V1_1(
                bindings::v1_1::BuildingBlockPre::new(
                    self.linker_v1_1
                        .instantiate_pre(&component)
                        .map_err(prepare)?,
                )
                .map_err(prepare)?,
            ),
            _ => Pre::V1_2(
                bindings::v1_2::BuildingBlockPre::new(
                    self.linker_v1_2
                        .instantiate_pre(&component)
                        .map_err(prepare)?,
                )
                .map_err(prepare)?,
            ),
        };
        let mut block = LoadedBlock {
            pre,
            manifest: Manifest {
                raw: model::RawManifest {
                    id: String::new(),
                    name: model::Localized {
                        da: String::new(),
                        en: String::new(),
                    },
                    description: model::Localized {
                        da: String::new(),
                        en: String::new(),
                    },
                    version: String::new(),
                    category: String::new(),
                    capabilities: Vec::new(),
                    config_schema: String::new(),
                    default_config: String::new(),
                },
                version: Version::new(0, 0, 0),
                requested: BTreeSet::new(),
                config_schema: serde_json::Value::Null,
                default_config: serde_json::Value::Null,
            },
            contract: shape.contract.clone(),
            sha256,
            size,
            imports: shape.imports,
            unused_capabilities: Vec::new(),
            cache,
            requested: Arc::new(BTreeSet::new()),
        };
        let raw = self
            .describe(&block)
            .await
            .map_err(|e| LoadError::Describe(Box::new(e)))?;
        let manifest =
            validate::manifest(raw, shape.contract.minor).map_err(LoadError::Manifest)?;

        // A component's imports are its capabilities: each contract interface it imports
        // must be covered by a request in the manifest, so the declared permissions can
        // be trusted.
        // (Interfaces no capability lives in, such as `log`, need no request.)
        for iface in &shape.contract_imports {
            let caps: Vec<Capability> = Capability::all()
                .filter(|c| c.interface() == iface)
                .collect();
            if !caps.is_empty() && !caps.iter().any(|c| manifest.requested.contains(c)) {
                let expected = caps.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ");
                return Err(LoadError::UndeclaredCapability {
                    interface: iface.clone(),
                    expected,
                });
            }
        }
        block.unused_capabilities = manifest
            .requested
            .iter()
            .filter(|c| !shape.contract_imports.contains(c.interface()))
            .copied()
            .collect();
        block.requested = Arc::new(manifest.requested.clone());
        block.manifest = manifest;
        Ok(block)
    }
}
