-- slurmctld runs slurm_job_submit for every job submitted (sbatch, srun, salloc, the REST API).
-- It rewrites a mark that clues-monitor watches (lib/slurm/conf.ts, SUBMISSION_MARKS), so a new
-- job wakes the monitor at once. It never refuses or changes a job, whatever happens to the mark.
local MARK = "/run/ec4docker/submitted/last"

function slurm_job_submit(job_desc, part_list, submit_uid)
  pcall(function()
    local f = io.open(MARK, "w")
    if f then
      f:write(os.time(), "\n")
      f:close()
    end
  end)
  return slurm.SUCCESS
end

function slurm_job_modify(job_desc, job_rec, part_list, modify_uid)
  return slurm.SUCCESS
end
