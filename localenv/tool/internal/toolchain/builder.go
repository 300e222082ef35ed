package toolchain

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// progressEvery is how often a running build says what it is doing.
const progressEvery = 30 * time.Second

// Build builds the tools that are missing, one after the other (every go build already uses all cores), under the
// cache's build lock, saying first what it will build and how long that typically takes. Messages go to progress.
func (t *Toolchain) Build(tools []Tool, progress io.Writer) error {
	if err := os.MkdirAll(filepath.Join(t.Cache, "logs"), 0o755); err != nil {
		return err
	}
	unlock, err := lockBuilds(filepath.Join(t.Cache, ".build.lock"), progress)
	if err != nil {
		return err
	}
	defer unlock()

	started := time.Now()
	var missing []PlannedTool
	for _, tool := range tools {
		if !t.Built(tool) {
			missing = append(missing, PlannedTool{Name: tool.Name, Version: t.Version(tool), Typical: tool.Typical})
		}
	}
	if len(missing) > 0 {
		fmt.Fprint(progress, PlanText(missing, t.Cache))
	}
	// before any long build: a machine that cannot build runc says so now, not after the Kubernetes builds
	for _, planned := range missing {
		if planned.Name == "runc" {
			if err := ensureRuncBuildDeps(progress); err != nil {
				return err
			}
		}
	}
	for _, tool := range tools {
		if err := t.buildOne(tool, progress); err != nil {
			return err
		}
	}
	if err := t.bundleLanguageHost(progress); err != nil {
		return err
	}
	if len(missing) > 0 {
		fmt.Fprintf(progress, "[localenv] done in %s; use: eval \"$(localenv/localenv env)\"\n", minutes(time.Since(started)))
	}
	return nil
}

// EnsureBuilt builds the named tool if it is missing and returns the path of its first binary.
func (t *Toolchain) EnsureBuilt(name string, progress io.Writer) (string, error) {
	tool, err := Lookup(name)
	if err != nil {
		return "", err
	}
	if !t.Built(tool) {
		if err := t.Build([]Tool{tool}, progress); err != nil {
			return "", err
		}
	}
	return filepath.Join(t.BinDir(tool), tool.Binaries[0]), nil
}

// PlannedTool is one line of the plan a build prints before it starts.
type PlannedTool struct {
	Name, Version string
	Typical       time.Duration
}

// PlanText says which tools a build will make, their versions, the typical cold time of each and the total.
func PlanText(tools []PlannedTool, cache string) string {
	parts := make([]string, len(tools))
	var total time.Duration
	for i, tool := range tools {
		parts[i] = fmt.Sprintf("%s %s (~%s)", tool.Name, tool.Version, minutes(tool.Typical))
		total += tool.Typical
	}
	return fmt.Sprintf("[localenv] will build %d tool(s) from the Go module proxy into %s: %s\n"+
		"[localenv] about %s on a 2-core machine with empty Go caches (less with warm ones); progress every 30 s\n",
		len(tools), cache, strings.Join(parts, ", "), minutes(total))
}

func minutes(d time.Duration) string {
	seconds := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%dm%02ds", seconds/60, seconds%60)
}

func (t *Toolchain) buildOne(tool Tool, progress io.Writer) error {
	version := t.Version(tool)
	bin := filepath.Join(t.BinDir(tool), tool.Binaries[0])
	if t.Built(tool) {
		fmt.Fprintf(progress, "[localenv] %s %s: cached (%s)\n", tool.Name, version, bin)
		return nil
	}
	r, err := t.recipe(tool)
	if err != nil {
		return err
	}
	logPath := filepath.Join(t.Cache, "logs", tool.Name+"-"+version+".log")
	fmt.Fprintf(progress, "[localenv] %s %s: building, typically ~%s cold (log: %s)\n", tool.Name, version, minutes(tool.Typical), logPath)
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()

	s, err := t.newStep(tool, version, logFile)
	if err != nil {
		return err
	}
	started := time.Now()
	stop := reportProgress(s, started, progress)
	err = runRecipe(s, r, bin)
	stop()
	if err != nil {
		fmt.Fprintf(logFile, "[localenv] %v\n", err)
		fmt.Fprintf(progress, "[localenv] %s build FAILED after %s; last lines of %s:\n", tool.Name, minutes(time.Since(started)), logPath)
		fmt.Fprint(progress, logTail(logPath, 25))
		return fmt.Errorf("%s build failed (full log: %s)", tool.Name, logPath)
	}
	took := time.Since(started).Round(time.Second)
	fmt.Fprintf(progress, "[localenv] %s %s: built in %ds -> %s\n", tool.Name, version, int(took.Seconds()), bin)
	return appendTiming(t.Cache, fmt.Sprintf("%s %s %ds %s", tool.Name, version, int(took.Seconds()), time.Now().UTC().Format(time.RFC3339)))
}

func (t *Toolchain) newStep(tool Tool, version string, log io.Writer) (*step, error) {
	s := &step{toolchain: t, tool: tool, version: version, log: log}
	s.env = goEnv(os.Environ(), wrapperGoflags(os.Getenv("GOFLAGS")))
	s.srcDir = filepath.Join(t.Cache, "src", tool.Name+"-"+version)
	for _, dir := range []string{s.srcDir, t.BinDir(tool)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	for _, stale := range []string{"go.mod", "go.sum"} {
		if err := os.Remove(filepath.Join(s.srcDir, stale)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return s, nil
}

// runRecipe builds into bin.tmp and renames it: a binary at bin is always a complete one.
func runRecipe(s *step, r recipe, bin string) error {
	if r.prepare != nil {
		s.begin("prepare " + s.tool.Name)
		if err := r.prepare(s); err != nil {
			return err
		}
	}
	if !r.notGo {
		if err := s.goCommand("mod", "tidy"); err != nil {
			return err
		}
	}
	tmp := bin + ".tmp"
	buildStarted := time.Now()
	if err := r.build(s, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(s.log, "== %s build done in %ds\n", time.Now().UTC().Format(time.RFC3339), int(time.Since(buildStarted).Seconds()))
	return os.Rename(tmp, bin)
}

// reportProgress prints the elapsed time and the current step every progressEvery until stop is called.
func reportProgress(s *step, started time.Time, progress io.Writer) (stop func()) {
	done := make(chan struct{})
	ticker := time.NewTicker(progressEvery)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				fmt.Fprintf(progress, "[localenv] %s: %s elapsed (%s)\n", s.tool.Name, minutes(time.Since(started)), s.doing())
			}
		}
	}()
	return func() {
		ticker.Stop()
		close(done)
	}
}

// logTail is the last n lines of a build log, indented, without the go command's download chatter.
func logTail(path string, n int) string {
	file, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer file.Close()
	var lines []string
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1024*1024), 1024*1024)
	for scanner.Scan() {
		if !strings.HasPrefix(scanner.Text(), "go: downloading ") {
			lines = append(lines, "    "+scanner.Text())
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}

func appendTiming(cache, line string) error {
	file, err := os.OpenFile(filepath.Join(cache, "logs", "timings.txt"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = fmt.Fprintln(file, line)
	return err
}

// lockBuilds takes the cache's one build lock (the shell builder took the same file with flock(1)): two builds at
// once would share src dirs.
func lockBuilds(path string, progress io.Writer) (unlock func(), err error) {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	fd := int(file.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			file.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		fmt.Fprintf(progress, "[localenv] waiting for another build (%s is taken)\n", path)
		if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
			file.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
	}
	return func() { file.Close() }, nil
}

// bundleLanguageHost links the Node.js language host next to pulumi: the engine looks for bundled language hosts
// there, and one found only on PATH makes it print "warning: using pulumi-language-nodejs from $PATH" on every run.
func (t *Toolchain) bundleLanguageHost(progress io.Writer) error {
	pulumi, _ := Lookup("pulumi")
	host, _ := Lookup("pulumi-language-nodejs")
	if !t.Built(pulumi) || !t.Built(host) {
		return nil
	}
	from := filepath.Join(t.BinDir(host), "pulumi-language-nodejs")
	to := filepath.Join(t.BinDir(pulumi), "pulumi-language-nodejs")
	if sameFile(from, to) {
		return nil
	}
	if err := linkOrCopy(from, to); err != nil {
		return err
	}
	fmt.Fprintf(progress, "[localenv] pulumi-language-nodejs linked next to pulumi: %s\n", to)
	return nil
}

func sameFile(a, b string) bool {
	infoA, errA := os.Stat(a)
	infoB, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return false
	}
	if os.SameFile(infoA, infoB) {
		return true
	}
	dataA, errA := os.ReadFile(a)
	dataB, errB := os.ReadFile(b)
	return errA == nil && errB == nil && string(dataA) == string(dataB)
}
