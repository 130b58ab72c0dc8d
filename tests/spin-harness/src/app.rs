//! The loaded application: the Wasmtime engine, each component compiled once and
//! pre-linked, and a `ProxyHandler` per component that instantiates it in a fresh store
//! whenever it needs a new instance (the same machinery, from `wasmtime-wasi-http`, that
//! the Spin HTTP trigger uses for `wasi:http@0.3` components, with the same reuse rules).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use wasmtime::component::{Component, GuestTaskId, Linker, ResourceTable};
use wasmtime::{
    Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreContextMut,
};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, Proxy, ProxyHandler, ShouldAccept, WorkerExpiration, WorkerState,
    WorkerStatus,
};
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::host::{self, AppStores, SpinState};
use crate::manifest::Manifest;
use crate::outbound::{AllowedHost, AllowedHosts, OutboundHttp};
use crate::routes::Router;
use crate::runtime_config::RuntimeConfig;
use crate::variables::{ComponentVariables, ResolvedVariables};

/// How long instances live and how many requests they take (Spin's `spin up` options of
/// the same names; Spin's defaults for WASIp3 components are 128, 16 and 1 s).
#[derive(Debug, Clone, Copy)]
pub struct ReuseConfig {
    pub max_instance_reuse_count: usize,
    pub max_instance_concurrent_reuse_count: usize,
    pub request_timeout: Option<Duration>,
    pub idle_instance_timeout: Duration,
}

impl Default for ReuseConfig {
    fn default() -> Self {
        ReuseConfig {
            max_instance_reuse_count: 128,
            max_instance_concurrent_reuse_count: 16,
            request_timeout: None,
            idle_instance_timeout: Duration::from_secs(1),
        }
    }
}

/// Everything in a `Store`: WASI, WASI HTTP, and the Spin interfaces' state.
pub struct StoreState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHttp,
    spin: SpinState,
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// What a component's instances are given.
struct ComponentContext {
    id: String,
    /// `allowed_outbound_hosts` plus `--allow-outbound`, parsed once at start-up.
    allowed_outbound: Arc<AllowedHosts>,
    allowed_databases: Arc<HashSet<String>>,
    allowed_stores: Arc<HashSet<String>>,
    variables: Arc<ComponentVariables>,
    environment: Vec<(String, String)>,
    stores: Arc<AppStores>,
}

impl ComponentContext {
    fn new_state(&self) -> StoreState {
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdout()
            .inherit_stderr()
            .envs(&self.environment);
        StoreState {
            table: ResourceTable::new(),
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHttp {
                component: Arc::from(self.id.as_str()),
                allowed: self.allowed_outbound.clone(),
            },
            spin: SpinState::new(
                &self.id,
                self.allowed_databases.clone(),
                self.allowed_stores.clone(),
                self.variables.clone(),
                self.stores.clone(),
            ),
        }
    }
}

pub struct ComponentHandlerState {
    engine: Engine,
    pre: ServicePre<StoreState>,
    context: ComponentContext,
    reuse: ReuseConfig,
}

impl ComponentHandlerState {
    async fn new_instance(&self) -> wasmtime::Result<(Store<StoreState>, Proxy)> {
        let mut store = Store::new(&self.engine, self.context.new_state());
        let service = self.pre.instantiate_async(&mut store).await?;
        Ok((store, Proxy::P3(service)))
    }
}

pub struct Expiration {
    idle_timeout: Duration,
    request_timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl WorkerExpiration for Expiration {
    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let me = self.get_mut();
        let timeout = match status {
            WorkerStatus::Idle => me.idle_timeout,
            WorkerStatus::Requests | WorkerStatus::PostReturn => me.request_timeout,
        };
        match start.checked_add(timeout) {
            Some(deadline) => {
                let deadline = tokio::time::Instant::from_std(deadline);
                if me.sleep.deadline() != deadline {
                    me.sleep.as_mut().reset(deadline);
                }
                me.sleep.as_mut().poll(cx)
            }
            None => Poll::Pending,
        }
    }
}

/// Set once serving has stopped: instances still idling for reuse are then dropped with
/// the runtime, which `ProxyHandler` reports as a failed worker; that is not worth a line.
pub static SHUTTING_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub struct Worker {
    component: String,
    request_timeout: Duration,
    max_reuse: usize,
    max_concurrent: usize,
}

impl WorkerState for Worker {
    type StoreData = StoreState;
    type RequestData = ();

    fn should_accept_request(&self, concurrent_count: usize, total_count: usize) -> ShouldAccept {
        if total_count >= self.max_reuse {
            ShouldAccept::Never
        } else if concurrent_count >= self.max_concurrent {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        _store: StoreContextMut<'_, StoreState>,
        _data: (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync + 'static>> {
        Box::pin(tokio::time::sleep(self.request_timeout))
    }

    fn drop(&self, store: Store<StoreState>, result: Result<(), wasmtime::Error>) {
        if let Err(error) = result
            && !SHUTTING_DOWN.load(std::sync::atomic::Ordering::Relaxed)
        {
            eprintln!(
                "spin-harness: component {} worker failed: {error:?}",
                self.component
            );
        }
        drop(store);
    }
}

impl HandlerState for ComponentHandlerState {
    type StoreData = StoreState;
    type WorkerExpiration = Expiration;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<Instance<StoreState, Expiration, Worker>> {
        let (store, proxy) = self.new_instance().await?;
        let request_timeout = self.reuse.request_timeout.unwrap_or(Duration::MAX);
        Ok(Instance {
            store,
            proxy,
            view: |s: &mut StoreState| s.http(),
            expiration: Expiration {
                idle_timeout: self.reuse.idle_instance_timeout,
                request_timeout,
                sleep: Box::pin(tokio::time::sleep(Duration::MAX)),
            },
            state: Worker {
                component: self.context.id.clone(),
                request_timeout,
                max_reuse: self.reuse.max_instance_reuse_count,
                max_concurrent: self.reuse.max_instance_concurrent_reuse_count,
            },
        })
    }
}

/// Timings measured at start-up, per component.
#[derive(Debug, Clone)]
pub struct ComponentTiming {
    pub component: String,
    pub compile: Duration,
    pub first_instantiation: Duration,
    /// Mean of further instantiations (each in a fresh store).
    pub instantiation: Duration,
}

pub struct App {
    pub name: String,
    pub version: String,
    pub router: Router,
    pub handlers: BTreeMap<String, ProxyHandler<ComponentHandlerState>>,
    pub stores: Arc<AppStores>,
    pub timings: Vec<ComponentTiming>,
}

pub struct AppOptions {
    pub manifest: PathBuf,
    pub runtime_config: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub environment: Vec<(String, String)>,
    pub reuse: ReuseConfig,
    pub pooling: bool,
    /// Origins every component may send outbound HTTP to, besides its own
    /// `allowed_outbound_hosts` (same syntax). `spin up` has no such option: it exists so
    /// that tests can let components reach a server on loopback without editing the
    /// manifest.
    pub allow_outbound: Vec<String>,
    /// How many extra instantiations to time per component at start-up.
    pub timing_samples: u32,
}

fn engine(pooling: bool) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_component_model_async(true);
    if pooling {
        // As Spin configures it (with fewer instances: this is a test harness).
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(200)
            .total_memories(200)
            .total_tables(400)
            .total_stacks(200)
            .total_core_instances(800)
            .table_elements(100_000)
            .max_component_instance_size(10 << 20)
            .max_core_instance_size(10 << 20)
            .max_core_instances_per_component(200)
            .max_tables_per_component(64)
            .max_memories_per_component(32)
            .max_tables_per_module(2)
            .max_memories_per_module(2)
            .max_memory_size(4 << 30)
            .linear_memory_keep_resident(2 << 20)
            .table_keep_resident(1 << 19);
        let mut pooled = config.clone();
        pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        match Engine::new(&pooled) {
            Ok(e) => return Ok(e),
            Err(e) => eprintln!(
                "spin-harness: pooling allocator unavailable ({e}); using on-demand allocation"
            ),
        }
    }
    Engine::new(&config).map_err(|e| anyhow::anyhow!("{e:?}"))
}

fn wasm_err(e: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

impl App {
    pub async fn load(options: AppOptions, cwd: &std::path::Path) -> anyhow::Result<App> {
        let manifest = Manifest::load(&options.manifest)?;
        let state_dir = match options.state_dir {
            Some(d) => crate::runtime_config::StateDir::Provided(d),
            None => crate::runtime_config::StateDir::Default,
        };
        let runtime_config = RuntimeConfig::load(
            options.runtime_config.as_deref(),
            cwd,
            &manifest.dir,
            state_dir,
        )?;
        let provider = crate::variables::EnvProvider::from_process(Some(&cwd.join(".env")))?;
        let variables = ResolvedVariables::resolve(&manifest, &provider)?;
        Self::check_grants(&manifest, &runtime_config)?;
        runtime_config.prepare_key_value_dirs(
            manifest
                .components
                .values()
                .flat_map(|c| c.key_value_stores.iter()),
        )?;
        let stores = Arc::new(AppStores::new(&runtime_config));
        let router = Router::build(
            &manifest.base,
            manifest
                .routes
                .iter()
                .map(|r| (r.raw.as_str(), r.component.as_str())),
        )?;

        // Checked before compiling anything, so a typo fails fast.
        let extra_outbound = options
            .allow_outbound
            .iter()
            .map(|entry| {
                AllowedHost::parse(entry).with_context(|| format!("--allow-outbound {entry:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;

        let engine = engine(options.pooling)?;
        let mut linker = Linker::<StoreState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(wasm_err)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(wasm_err)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(wasm_err)?;
        host::add_to_linker(&mut linker, |s| &mut s.spin).map_err(wasm_err)?;

        let routed: HashSet<&str> = manifest
            .routes
            .iter()
            .map(|r| r.component.as_str())
            .collect();
        let mut handlers = BTreeMap::new();
        let mut timings = Vec::new();
        for (id, component) in &manifest.components {
            if !routed.contains(id.as_str()) {
                continue;
            }
            let mut allowed_outbound = component
                .allowed_outbound_hosts
                .iter()
                .map(|entry| AllowedHost::parse(entry))
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("component {id:?}: invalid allowed_outbound_hosts"))?;
            allowed_outbound.extend(extra_outbound.iter().cloned());
            let allowed_outbound = AllowedHosts::new(allowed_outbound);
            if !allowed_outbound.is_empty() {
                let list: Vec<String> = allowed_outbound
                    .entries()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                eprintln!(
                    "spin-harness: component {id:?} may send outbound HTTP to: {}",
                    list.join(", ")
                );
            }
            let started = Instant::now();
            let compiled = Component::from_file(&engine, &component.source)
                .map_err(wasm_err)
                .with_context(|| {
                    format!(
                        "component {id:?}: failed to load {}",
                        component.source.display()
                    )
                })?;
            let compile = started.elapsed();
            let pre = linker
                .instantiate_pre(&compiled)
                .map_err(wasm_err)
                .with_context(|| format!("component {id:?}: failed to link"))?;
            let pre = ServicePre::new(pre).map_err(wasm_err).with_context(|| {
                format!("component {id:?} does not export wasi:http/handler@0.3")
            })?;
            let state = ComponentHandlerState {
                engine: engine.clone(),
                pre,
                context: ComponentContext {
                    id: id.clone(),
                    allowed_outbound: Arc::new(allowed_outbound),
                    allowed_databases: Arc::new(
                        component.sqlite_databases.iter().cloned().collect(),
                    ),
                    allowed_stores: Arc::new(component.key_value_stores.iter().cloned().collect()),
                    variables: Arc::new(variables.for_component(id)),
                    environment: component
                        .environment
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .chain(options.environment.iter().cloned())
                        .collect(),
                    stores: stores.clone(),
                },
                reuse: options.reuse,
            };
            // Instantiate once now, as a check and to measure it.
            let t = Instant::now();
            let (first_store, _) = state
                .new_instance()
                .await
                .map_err(wasm_err)
                .with_context(|| format!("component {id:?}: failed to instantiate"))?;
            let first_instantiation = t.elapsed();
            drop(first_store);
            let mut total = Duration::ZERO;
            for _ in 0..options.timing_samples {
                let t = Instant::now();
                let (store, _) = state.new_instance().await.map_err(wasm_err)?;
                total += t.elapsed();
                drop(store);
            }
            let instantiation = if options.timing_samples > 0 {
                total / options.timing_samples
            } else {
                first_instantiation
            };
            timings.push(ComponentTiming {
                component: id.clone(),
                compile,
                first_instantiation,
                instantiation,
            });
            handlers.insert(id.clone(), ProxyHandler::new(state));
        }

        Ok(App {
            name: manifest.name.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            router,
            handlers,
            stores,
            timings,
        })
    }

    /// Spin refuses to start when a component is granted a store the runtime
    /// configuration does not define.
    fn check_grants(manifest: &Manifest, config: &RuntimeConfig) -> anyhow::Result<()> {
        let mut missing = Vec::new();
        for (id, component) in &manifest.components {
            for label in &component.sqlite_databases {
                if !config.sqlite_databases.contains_key(label) {
                    missing.push(format!("- Component {id} uses database '{label}'"));
                }
            }
        }
        if !missing.is_empty() {
            bail!(
                "One or more components use SQLite databases which are not defined.\n\
                 Check the spelling, or pass a runtime configuration file that defines these stores.\n\
                 Details:\n{}",
                missing.join("\n")
            );
        }
        for (id, component) in &manifest.components {
            for label in &component.key_value_stores {
                if !config.key_value_stores.contains_key(label) {
                    bail!("unknown key_value_stores label {label:?} for component {id:?}");
                }
            }
        }
        Ok(())
    }
}
